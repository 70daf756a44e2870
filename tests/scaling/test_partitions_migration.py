"""The partitioning migrations (titles 0007, reports 0005) on a filled database: back to the plain tables,
rows of several years written, forward — every row, id and constraint kept, new inserts (also beyond the last
partition) working — and back again to plain tables with their identity and foreign key.

PostgreSQL only (the migrations do nothing on SQLite). Transactional: migrations run their own transactions."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from awards.models import Nomination
from core import partitions
from definitions.models import DataElement
from reports.models import StatRollup, ValueRollup
from tests import factories as f
from tests.awards.conftest import forms, nation, nominate, officer, province_council, root  # noqa: F401
from titles.models import Decision, Recognition, TitleType
from units.models import Household

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only")

PLAIN = [("titles", "0006_decision_legal_basis"), ("reports", "0004_reports_keep_their_form_version")]
TABLES = ("titles_recognition", "reports_statrollup", "reports_valuerollup", "awards_nomination_recognitions")
THROUGH_FK = "awards_nomination_re_recognition_id_4a308a1d_fk_titles_re"


def _migrate(targets=None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _snapshot() -> dict:
    rows = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - constants
            rows[table] = cursor.fetchall()
    return rows


def _partitioned() -> dict[str, bool]:
    with connection.cursor() as cursor:
        return {t: partitions.is_partitioned(cursor, t) for t in partitions.PARTITIONED_TABLES}


def _primary_key(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                       "AND contype = 'p'", [table])
        return cursor.fetchone()[0]


def _through_fk_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = %s)", [THROUGH_FK])
        return cursor.fetchone()[0]


@pytest.fixture
def plain(transactional_db):
    """The database as it was before partitioning; the latest state again afterwards, whatever happened."""
    _migrate(PLAIN)
    try:
        yield
    finally:
        _migrate()


@pytest.mark.django_db(transaction=True)
def test_partitioning_a_filled_database_keeps_every_row_id_and_constraint_and_goes_back(
        plain, tree, forms, province_council, officer):  # noqa: F811 - the imported fixtures
    assert _partitioned() == dict.fromkeys(partitions.PARTITIONED_TABLES, False)
    title = TitleType.objects.get(indicator="households_learning_family")
    user = f.UserFactory(username="can-bo")
    decision = Decision.objects.create(title_type=title, authority=tree["c1"], number="3/QĐ-UBND", year=2025,
                                       date=datetime.date(2025, 3, 1), signer="Trần Văn Ký", created_by=user)

    def recognise(code, year, **kw):
        household = Household.objects.create(unit=tree["h1"], code=code, head_name=f"Chủ hộ {code}")
        return Recognition.objects.create(
            title_type=title, decision=decision, subject_kind="household", unit=tree["h1"], household=household,
            year=year, valid_from=datetime.date(year, 3, 1), valid_to=datetime.date(year + 1, 2, 28), **kw)

    # Years in partitions, one before the first partition and one after the last (both DEFAULT), a revoked one.
    made = [recognise(f"H{i}", year) for i, year in enumerate((2015, 2024, 2025, 2026, 2026, 2040))]
    recognise("R", 2026, revoked_at=timezone.now())
    gone = recognise("X", 2026)
    gone_id = gone.pk
    gone.delete()  # the sequence is past every row: a new id must not reuse this one
    nomination = nominate(officer, tree, forms, made[2].household, recognitions=[made[2]])
    nomination.recognitions.add(made[3])  # another subject's: the link table only, as it is stored
    now = timezone.now()
    element = DataElement.objects.first()
    for year in (2024, 2025, 2026):
        StatRollup.objects.create(unit=tree["c1"], year=year, indicator="households_learning_family",
                                  numerator=year - 2000, denominator=100, computed_at=now)
        ValueRollup.objects.create(unit=tree["c1"], year=year, data_element=element, value=year, computed_at=now)
    before = _snapshot()
    assert len(before["titles_recognition"]) == 7 and len(before["awards_nomination_recognitions"]) == 2

    _migrate()

    assert _partitioned() == dict.fromkeys(partitions.PARTITIONED_TABLES, True)
    assert _snapshot() == before
    assert _primary_key("titles_recognition") == "PRIMARY KEY (id, year)"
    assert not _through_fk_exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT year, tableoid::regclass::text FROM titles_recognition ORDER BY id")
        assert {year: part for year, part in cursor.fetchall()} == {
            2015: "titles_recognition_default", 2024: "titles_recognition_y2024",
            2025: "titles_recognition_y2025", 2026: "titles_recognition_y2026", 2040: "titles_recognition_default"}
    # New rows: ids continue past the deleted one, in a year's partition or beyond the last one.
    fresh = recognise("N", 2027)
    beyond = recognise("B", 2045)
    assert fresh.pk > gone_id and beyond.pk > fresh.pk
    # The constraints came back: one live recognition a year, the validity check, the keys out, the link in.
    with pytest.raises(IntegrityError, match="recognition_one_live_household"), transaction.atomic():
        Recognition.objects.create(title_type=title, decision=decision, subject_kind="household",
                                   unit=tree["h1"], household=made[3].household, year=2026,
                                   valid_from=datetime.date(2026, 3, 1), valid_to=datetime.date(2027, 2, 28))
    with pytest.raises(IntegrityError, match="recognition_validity"), transaction.atomic():
        Recognition.objects.filter(pk=fresh.pk).update(valid_to=datetime.date(2000, 1, 1))
    with pytest.raises(IntegrityError, match="titles_recognition_unit_id"), transaction.atomic():
        Recognition.objects.filter(pk=fresh.pk).update(unit_id=10**9)
    with pytest.raises(IntegrityError, match="not present in table"), transaction.atomic():
        Nomination.recognitions.through.objects.create(nomination=nomination, recognition_id=gone_id)
    with pytest.raises(IntegrityError, match="still referenced"), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM titles_recognition WHERE id = %s", [made[2].pk])
    StatRollup.objects.create(unit=tree["c1"], year=2050, indicator="households_learning_family", numerator=1,
                              denominator=2, computed_at=now)
    after = _snapshot()

    _migrate(PLAIN)

    assert _partitioned() == dict.fromkeys(partitions.PARTITIONED_TABLES, False)
    assert _snapshot() == after
    assert _primary_key("titles_recognition") == "PRIMARY KEY (id)"
    assert _through_fk_exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_identity FROM information_schema.columns "
                       "WHERE table_name = 'titles_recognition' AND column_name = 'id'")
        assert cursor.fetchone()[0] == "YES"
    assert recognise("P", 2028).pk > beyond.pk
    with pytest.raises(IntegrityError, match=THROUGH_FK), transaction.atomic():
        Nomination.recognitions.through.objects.create(nomination=nomination, recognition_id=gone_id)
        connection.check_constraints()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only")
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_reset_sequences_finds_the_partitioned_tables_sequence(tree):
    title = TitleType.objects.get(indicator="households_learning_family")
    user = f.UserFactory(username="can-bo")
    decision = Decision.objects.create(title_type=title, authority=tree["c1"], number="4/QĐ-UBND", year=2026,
                                       date=datetime.date(2026, 3, 1), signer="Trần Văn Ký", created_by=user)
    household = Household.objects.create(unit=tree["h1"], code="S1", head_name="Chủ hộ S1")
    recognition = Recognition.objects.create(
        title_type=title, decision=decision, subject_kind="household", unit=tree["h1"], household=household,
        year=2026, valid_from=datetime.date(2026, 3, 1), valid_to=datetime.date(2027, 2, 28))
    assert recognition.pk == 1
