"""Recognitions and the rollup tables partitioned by year on PostgreSQL (core/partitions.py, titles 0007,
reports 0005): the tables' shape, the checks that replace the foreign key into recognitions, the evaluation's
one recognition, partition pruning in EXPLAIN, and the coming years' partitions with rows moved out of DEFAULT.

PostgreSQL only: SQLite keeps plain tables (the migrations do nothing there). CI runs these on PostgreSQL.
The migration itself, on a filled database and back, is in test_partitions_migration.py."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from awards.models import Nomination
from core import partitions
from reports.models import StatRollup
from reports.selectors import stats_rows
from tests import factories as f

# The awards tests' council and officer: a nomination as the awards service makes it.
from tests.awards.conftest import forms, nation, nominate, officer, province_council, root  # noqa: F401
from titles.models import Decision, Evaluation, Recognition, TitleType
from titles.selectors import visible_recognitions
from units.models import Household
from units.roles import Role

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"),
    pytest.mark.django_db,
]
YEAR = 2026


def _partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def family(tree):
    title = TitleType.objects.get(indicator="households_learning_family")
    user = f.UserFactory(username="can-bo-xa")
    decision = Decision.objects.create(title_type=title, authority=tree["c1"], number="7/QĐ-UBND", year=YEAR,
                                       date=datetime.date(YEAR, 3, 1), signer="Trần Văn Ký", created_by=user)

    def recognise(household, year=YEAR, **kw):
        return Recognition.objects.create(
            title_type=title, decision=decision, subject_kind="household", unit=tree["h1"], household=household,
            year=year, valid_from=datetime.date(year, 3, 1), valid_to=datetime.date(year + 1, 2, 28), **kw)

    return recognise


def _household(tree, code):
    return Household.objects.create(unit=tree["h1"], code=code, head_name=f"Chủ hộ {code}")


def test_the_three_tables_are_partitioned_by_year_with_a_default_and_a_key_of_id_and_year():
    with connection.cursor() as cursor:
        for table in partitions.PARTITIONED_TABLES:
            assert partitions.is_partitioned(cursor, table)
            found = partitions.partitions(cursor, table)
            assert set(found.values()) >= {*range(partitions.FIRST_YEAR, partitions.LAST_YEAR + 1), None}
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                           "AND contype = 'p'", [table])
            assert cursor.fetchone()[0] == "PRIMARY KEY (id, year)"
            # The sequence is the column's own: TransactionTestCase's reset_sequences and sqlsequencereset find it.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            assert cursor.fetchone()[0] == f"public.{table}_id_seq"


def test_inserts_return_ids_from_one_sequence_and_land_in_their_years_partition(tree, family):
    first = family(_household(tree, "A"), year=YEAR)
    later = family(_household(tree, "B"), year=YEAR - 1)
    far = family(_household(tree, "C"), year=2040)  # beyond the last partition: DEFAULT takes it
    assert first.pk < later.pk < far.pk
    assert _partition_of("titles_recognition", first.pk) == f"titles_recognition_y{YEAR}"
    assert _partition_of("titles_recognition", later.pk) == f"titles_recognition_y{YEAR - 1}"
    assert _partition_of("titles_recognition", far.pk) == "titles_recognition_default"
    # bulk_create gets its ids back too (INSERT … RETURNING through the parent).
    title, decision = first.title_type, first.decision
    made = Recognition.objects.bulk_create([
        Recognition(title_type=title, decision=decision, subject_kind="household", unit=tree["h1"],
                    household=_household(tree, f"K{i}"), year=YEAR, valid_from=datetime.date(YEAR, 3, 1),
                    valid_to=datetime.date(YEAR + 1, 2, 28)) for i in range(3)])
    assert all(r.pk and r.pk > far.pk for r in made)


def test_a_second_live_recognition_of_a_year_is_refused_by_the_database_and_by_the_model(tree, family):
    household = _household(tree, "A")
    kept = family(household)
    duplicate = Recognition(title_type=kept.title_type, decision=kept.decision, subject_kind="household",
                            unit=tree["h1"], household=household, year=YEAR, valid_from=kept.valid_from,
                            valid_to=kept.valid_to)
    with pytest.raises(Exception) as refused:
        duplicate.validate_constraints()
    assert "Đối tượng đã được công nhận danh hiệu này trong năm." in str(refused.value)
    with pytest.raises(IntegrityError, match="recognition_one_live_household"), transaction.atomic():
        duplicate.save()
    assert Recognition.objects.filter(household=household).count() == 1
    # Another year is another achievement: allowed, in its own partition.
    family(household, year=YEAR + 1)
    assert Recognition.objects.filter(household=household).count() == 2


def test_one_evaluation_still_has_one_recognition_in_its_own_year(tree, family):
    school = tree["s1"]
    title = TitleType.objects.filter(subject_kind="unit").first()
    user = f.UserFactory(username="truong")
    evaluation = Evaluation.objects.create(unit=school, title_type=title, year=YEAR, created_by=user,
                                           criteria_set=title.criteria_sets.first())
    decision = Decision.objects.create(title_type=title, authority=tree["c1"], number="8/QĐ-UBND", year=YEAR,
                                       date=datetime.date(YEAR, 3, 1), signer="Trần Văn Ký", created_by=user)

    def recognition(year):
        return Recognition(title_type=title, decision=decision, subject_kind="unit", unit=school, year=year,
                           valid_from=datetime.date(YEAR, 3, 1), valid_to=datetime.date(YEAR + 1, 2, 28),
                           evaluation=evaluation)

    recognition(YEAR).save()
    again = recognition(YEAR)
    again.revoked_at = timezone.now()  # not the "one live" rule: the one-to-one's own key refuses it
    with pytest.raises(IntegrityError, match="titles_recognition_evaluation_id_key"), transaction.atomic():
        again.save()
    # Another year would escape a key of (evaluation, year): the trigger keeps it to the evaluation's year.
    with pytest.raises(IntegrityError, match="evaluation's year"), transaction.atomic():
        recognition(YEAR + 1).save()
    assert Recognition.objects.filter(evaluation=evaluation).count() == 1
    # The model's validation still answers by evaluation alone, with its message.
    with pytest.raises(Exception, match="evaluation|Evaluation|tồn tại"):
        recognition(YEAR + 1).validate_unique()


@pytest.fixture
def nomination(tree, forms, province_council, officer):  # noqa: F811 - the imported fixtures
    return nominate(officer, tree, forms, _household(tree, "N"))


def test_a_nomination_cannot_point_at_a_recognition_that_does_not_exist(tree, family, nomination):
    through = Nomination.recognitions.through
    real = family(_household(tree, "A"))
    nomination.recognitions.add(real)
    connection.check_constraints()  # the deferred checks run now, as at commit: the real one passes
    missing = Recognition.objects.order_by("-id").values_list("id", flat=True).first() + 1000
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        through.objects.create(nomination=nomination, recognition_id=missing)
        connection.check_constraints()
    assert "violates foreign key" in str(refused.value)
    assert f"Key (recognition_id)=({missing}) is not present" in str(refused.value)
    assert list(through.objects.filter(nomination=nomination).values_list("recognition_id", flat=True)) == [real.pk]


def test_a_referenced_recognition_cannot_be_deleted_under_a_nomination_but_moves_between_years(
        tree, family, nomination):
    through = Nomination.recognitions.through
    linked = family(_household(tree, "A"))
    nomination.recognitions.add(linked)
    connection.check_constraints()
    with pytest.raises(IntegrityError, match="still referenced"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM titles_recognition WHERE id = %s", [linked.pk])
        connection.check_constraints()
    assert Recognition.objects.filter(pk=linked.pk).exists()
    # Its year corrected: the row moves to another partition (a delete and an insert), still referenced: fine.
    Recognition.objects.filter(pk=linked.pk).update(year=YEAR - 1)
    connection.check_constraints()
    assert _partition_of("titles_recognition", linked.pk) == f"titles_recognition_y{YEAR - 1}"
    # Deleted through the ORM, its links go first (as Django does for a many-to-many): allowed.
    Recognition.objects.filter(pk=linked.pk).delete()
    connection.check_constraints()
    assert not through.objects.filter(nomination=nomination).exists()


def _plan(queryset) -> str:
    return queryset.explain()


def test_a_communes_list_of_a_year_reads_only_that_years_partition(tree, family):
    for year in (YEAR - 1, YEAR, YEAR + 1):
        family(_household(tree, f"H{year}"), year=year)
    reader = f.member(tree["c1"], Role.OFFICER, username="xem-danh-sach")
    plan = _plan(visible_recognitions(reader).filter(year=YEAR))
    assert f"titles_recognition_y{YEAR}" in plan
    others = [p for p in partitions.partitions(connection.cursor(), "titles_recognition")
              if p != f"titles_recognition_y{YEAR}" and p in plan]
    assert others == [], plan


def test_the_rollup_read_of_a_year_reads_only_that_years_partition(tree):
    now = datetime.datetime(YEAR, 12, 31, tzinfo=datetime.UTC)
    for year in (YEAR - 1, YEAR):
        StatRollup.objects.create(unit=tree["c1"], year=year, indicator="households_learning_family",
                                  numerator=1, denominator=2, computed_at=now)
    viewer = f.member(tree["p1"], Role.VIEWER, username="xem-so-lieu")
    plan = _plan(stats_rows(viewer, indicator="households_learning_family", year=YEAR))
    # The rows of the answer (the query's own alias) come from the year's partition alone. (Its target
    # lookups join rollup rows by unit, every year: those probe each partition's unit index.)
    assert set(re.findall(r" on (reports_statrollup_\w+) reports_statrollup ", plan)) == {f"reports_statrollup_y{YEAR}"}
    plan = _plan(StatRollup.objects.filter(year=YEAR, indicator="households_learning_family"))
    assert set(re.findall(r"reports_statrollup_(?:y\d+|default)\b", plan)) == {f"reports_statrollup_y{YEAR}"}


def test_coming_years_partitions_are_created_and_defaults_rows_moved_into_them(tree, family):
    early = family(_household(tree, "A"), year=2034)
    late = family(_household(tree, "B"), year=2036)
    ancient = family(_household(tree, "C"), year=2015)  # before FIRST_YEAR: stays in DEFAULT
    before = {r.pk: (r.year, r.household_id) for r in Recognition.objects.all()}
    done = partitions.ensure_partitions(through=2034)
    made = {(d.table, d.year): d.moved for d in done}
    # Every table up to 2034, plus 2036 where DEFAULT held rows of it; the rows moved, ids kept.
    assert made[("titles_recognition", 2032)] == 0
    assert made[("titles_recognition", 2034)] == 1
    assert made[("titles_recognition", 2036)] == 1
    assert made[("reports_statrollup", 2034)] == 0 and ("reports_statrollup", 2036) not in made
    assert _partition_of("titles_recognition", early.pk) == "titles_recognition_y2034"
    assert _partition_of("titles_recognition", late.pk) == "titles_recognition_y2036"
    assert _partition_of("titles_recognition", ancient.pk) == "titles_recognition_default"
    assert {r.pk: (r.year, r.household_id) for r in Recognition.objects.all()} == before
    # Idempotent: nothing more to do.
    assert partitions.ensure_partitions(through=2034) == []


def test_the_command_says_what_it_created(tree, family):
    from io import StringIO

    family(_household(tree, "A"), year=2033)
    out = StringIO()
    call_command("partitions_ensure", "--through", "2033", stdout=out)
    text = out.getvalue()
    assert "titles_recognition_y2033: 1" in text
    assert "reports_valuerollup_y2032: 0" in text
    out = StringIO()
    call_command("partitions_ensure", "--through", "2033", stdout=out)
    assert "Không có phân vùng nào cần tạo" in out.getvalue()
