"""The year's rollup rebuilt province by province, then the national step (reports/aggregation.py, the parallel
rebuild; reports.tasks.rebuild_stats_parallel): the same table as the full stats_rebuild, row for row.

The tree: the generated nation of tests/reports/test_aggregation.py (2 provinces × 3 districts × 4 communes with
registries, recognitions and accepted reports for 2026) and, beside it, the 2025 reform: Bình Dương (its communes
under a district) and the old Hồ Chí Minh City dissolved on 30/06/2025 into today's Hồ Chí Minh City, one of
their communes split. Reports of 2024 (old tree) and 2025, targets of the nation, of a province, of a unit group
and of the dissolved province, elements and indicators defined as data with a breakdown by sex.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F

from campaigns.models import Target
from core.errors import DomainError
from definitions.models import Category, CategoryOption, DataElement, IndicatorDefinition, UnitGroup
from reports import aggregation
from reports.models import Report, ReportStatus, ReportValue, StatRollup, ValueRollup
from reports.tasks import rebuild_stats_parallel
from tests import factories as f
from units.models import Household, Kind, Level, Succession

from .conftest import YEAR, make_round
from .test_aggregation import _accepted, generated  # noqa: F401 - the fixture

END, REFORM = datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)
HOUSEHOLDS, CLANS = "households_learning_family", "clans_learning_clan"
YEARS = (2024, 2025, YEAR)
SLUG, MIXED = "ty_le_xoa_mu_chu", "ho_gia_dinh_tren_nguoi_hoc"


@pytest.fixture
def country(generated, campaign):  # noqa: F811 - the imported fixture
    nation, user, registry = generated["nation"], generated["user"], generated["registry"]
    provinces = sorted((u for u in generated["units"] if u.level == Level.PROVINCE), key=lambda u: u.path)
    bd = f.province(parent=nation, name="Tỉnh Bình Dương", code="74", valid_to=END)
    ohcm = f.province(parent=nation, name="Thành phố Hồ Chí Minh (cũ)", code="79", valid_to=END)
    hcm = f.UnitFactory(parent=nation, name="Thành phố Hồ Chí Minh", code="79", level=Level.PROVINCE,
                        kind=Kind.CENTRAL_CITY, valid_from=REFORM)
    bd_district = f.UnitFactory(parent=bd, level=Level.DISTRICT, kind=Kind.RURAL_DISTRICT, name="Huyện Dầu Tiếng",
                                valid_to=END)
    bd1, bd2, bd_split = (f.commune(bd_district, valid_to=END) for _i in range(3))
    oh1 = f.commune(ohcm, valid_to=END)
    n1, n2, n3 = (f.commune(hcm, valid_from=REFORM) for _i in range(3))
    for old, new, kind, partial, primary in ((bd, hcm, "merge", False, True), (ohcm, hcm, "merge", False, True),
                                             (bd1, n1, "merge", False, True), (bd2, n1, "merge", False, True),
                                             (bd_split, n2, "split", True, True), (bd_split, n3, "split", True, False),
                                             (oh1, n2, "merge", False, True)):
        Succession.objects.create(predecessor=old, successor=new, kind=kind, date=REFORM, partial=partial,
                                  primary=primary)
    # A hamlet of a new commune: counted from 2025 on, not on the 2024 tree.
    hamlet = f.hamlet(n1)
    for i in range(3):
        registry.household(hamlet, f"HCM-{i}", i != 0, [(True, i == 1)])
    Household.objects.create(unit=hamlet, code="HCM-x", head_name="Chủ hộ mới")

    round_2024 = make_round(campaign, nation, Level.COMMUNE, year=2024, indicators=[HOUSEHOLDS, CLANS],
                            deadline=datetime.date(2024, 11, 20), opens=datetime.date(2024, 9, 1))
    round_2025 = make_round(campaign, nation, Level.COMMUNE, year=2025, indicators=[HOUSEHOLDS, CLANS],
                            deadline=datetime.date(2025, 11, 20), opens=datetime.date(2025, 9, 1))
    _accepted(bd1, round_2024, user, {HOUSEHOLDS: (40, 90), CLANS: (3, 5)})
    _accepted(oh1, round_2024, user, {HOUSEHOLDS: (25, 50)}, on_time=False)
    _accepted(n1, round_2025, user, {HOUSEHOLDS: (70, 100), CLANS: (6, 10)})
    _accepted(n2, round_2025, user, {HOUSEHOLDS: (30, 60)})
    _accepted(n3, round_2025, user, {HOUSEHOLDS: (10, 40)})

    mountain = UnitGroup.objects.create(code="xa_mien_nui_thu", name="Xã miền núi")
    communes = [u for u in generated["units"] if u.level == Level.COMMUNE]
    mountain.units.add(communes[0], communes[-1])
    for unit, indicator, year, percentage, group in (
            (bd, HOUSEHOLDS, 2025, 70, None), (bd, CLANS, 2025, 60, None), (nation, HOUSEHOLDS, 2025, 65, None),
            (bd, HOUSEHOLDS, 2024, 40, None), (nation, HOUSEHOLDS, YEAR, 55, None),
            (provinces[0], CLANS, YEAR, 45, None), (nation, HOUSEHOLDS, YEAR, 80, mountain),
            (nation, SLUG, YEAR, 50, None)):
        Target.objects.create(campaign=campaign, unit=unit, unit_group=group, indicator=indicator, year=year,
                              percentage=percentage)

    # Elements defined as data, broken down by sex, on the accepted base reports of 2026; an indicator over them
    # and one mixing them with a built-in figure.
    sex = Category.objects.get(code="sex")
    options = list(CategoryOption.objects.filter(category=sex).order_by("pk"))
    total = DataElement.objects.create(code="lit_total", name="Số người cần học xóa mù chữ", category=sex,
                                       unit_of_measure="người")
    learned = DataElement.objects.create(code="lit_learned", name="Số người đã học xóa mù chữ", category=sex,
                                         unit_of_measure="người")
    households = DataElement.objects.get(figure_indicator=HOUSEHOLDS, figure_part="denominator")
    IndicatorDefinition.objects.create(slug=SLUG, name="Tỷ lệ người học xóa mù chữ", numerator="#{lit_learned}",
                                       denominator="#{lit_total}")
    IndicatorDefinition.objects.create(slug=MIXED, name="Hộ gia đình trên mỗi người học",
                                       numerator=f"#{{{households.code}}}", denominator="#{lit_learned}")
    accepted = Report.objects.filter(year=YEAR, status=ReportStatus.ACCEPTED, is_summary=False).order_by("pk")
    for i, report in enumerate(accepted):
        for j, option in enumerate(options):
            ReportValue.objects.create(report=report, data_element=total, option=option, value=20 + i + j)
            ReportValue.objects.create(report=report, data_element=learned, option=option, value=10 + i)
    return {"nation": nation, "provinces": provinces, "bd": bd, "ohcm": ohcm, "hcm": hcm,
            "bd_district": bd_district, "n1": n1, "bd1": bd1, "hamlet": hamlet}


def _rows(year):
    stats = sorted(StatRollup.objects.filter(year=year).values_list(
        "unit_id", "indicator", "option_id", "numerator", "denominator", "percentage", "target", "on_track"),
        key=repr)
    values = sorted(ValueRollup.objects.filter(year=year).values_list(
        "unit_id", "data_element_id", "option_id", "value"), key=repr)
    return stats, values


def _scramble(year):
    """Wrong figures and targets everywhere, so that only a recomputation gives the full rebuild's table back."""
    StatRollup.objects.filter(year=year).update(numerator=F("numerator") + 7, target=Decimal("1.00"), on_track=None)
    ValueRollup.objects.filter(year=year).update(value=F("value") + 3)


def _row(unit, year, indicator=HOUSEHOLDS):
    return StatRollup.objects.get(unit=unit, year=year, indicator=indicator, option__isnull=True)


def test_the_provinces_of_a_year_are_those_of_its_tree(country):
    before = [p.pk for p in aggregation.year_provinces(2024)]
    after = [p.pk for p in aggregation.year_provinces(YEAR)]
    ours = [p.pk for p in country["provinces"]]
    assert sorted(before) == sorted([*ours, country["bd"].pk, country["ohcm"].pk])
    assert sorted(after) == sorted([*ours, country["hcm"].pk])
    assert [p.pk for p in aggregation.year_provinces(2025)] == after  # counted on today's tree from 2025


@pytest.mark.parametrize("year", YEARS)
def test_provinces_then_the_national_step_give_the_full_rebuilds_table_row_for_row(country, year):
    aggregation.stats_rebuild(year=year)
    full = _rows(year)
    # The table is worth comparing: the nation, a dissolved province with its own target, the group target,
    # breakdowns of an indicator defined as data.
    nation = _row(country["nation"], year)
    assert nation.denominator > 0
    bd = _row(country["bd"], year)
    # Its own targets while it existed; after, the nation's (the nearest ancestor's).
    assert bd.target == {2024: Decimal("40.00"), 2025: Decimal("70.00"), YEAR: Decimal("55.00")}[year]
    if year == YEAR:
        assert StatRollup.objects.filter(year=year, indicator=SLUG, option__isnull=False).exists()
        assert StatRollup.objects.filter(year=year, indicator=MIXED).exists()
        assert StatRollup.objects.filter(year=year, target=Decimal("80.00")).exists()  # the group's target
        assert full[1]
    elif year == 2025:
        assert _row(country["hcm"], year).target is not None  # derived from its predecessors'

    _scramble(year)
    assert _rows(year) != full
    assert aggregation.stats_rebuild_in_parts(year=year) == len(full[0])
    assert _rows(year) == full

    StatRollup.objects.filter(year=year).delete()
    ValueRollup.objects.filter(year=year).delete()
    assert rebuild_stats_parallel.delay(year).get() == len(aggregation.year_provinces(year))
    assert _rows(year) == full


def test_running_a_province_or_the_whole_parallel_rebuild_twice_changes_nothing(country):
    aggregation.stats_rebuild_in_parts(year=YEAR)
    once = _rows(YEAR)
    province = country["provinces"][0]
    assert aggregation.stats_rebuild_province(year=YEAR, province_id=province.pk) > 0
    assert aggregation.stats_rebuild_province(year=YEAR, province_id=province.pk) > 0
    aggregation.stats_rebuild_national(year=YEAR)
    assert _rows(YEAR) == once
    aggregation.stats_rebuild_in_parts(year=YEAR)
    assert _rows(YEAR) == once


def test_a_province_task_recomputes_its_own_subtree_and_nothing_else(country):
    aggregation.stats_rebuild(year=YEAR)
    full = {r[:3]: r for r in _rows(YEAR)[0]}
    province = country["provinces"][1]
    _scramble(YEAR)
    scrambled = {r[:3]: r for r in _rows(YEAR)[0]}
    aggregation.stats_rebuild_province(year=YEAR, province_id=province.pk)
    now = {r[:3]: r for r in _rows(YEAR)[0]}
    inside = set(type(province).objects.filter(path__startswith=province.path).values_list("pk", flat=True))
    assert inside and any(key[0] in inside for key in full)
    for key, row in now.items():
        assert row == (full[key] if key[0] in inside else scrambled[key]), key


def test_a_unit_that_is_not_a_province_of_the_years_tree_is_refused_and_nothing_changes(country):
    aggregation.stats_rebuild(year=2024)
    before = _rows(2024)
    for unit in (country["hcm"], country["n1"], country["bd_district"]):  # not on the 2024 tree; not provinces
        with pytest.raises(DomainError) as refused:
            aggregation.stats_rebuild_province(year=2024, province_id=unit.pk)
        assert refused.value.message == (f"Đơn vị #{unit.pk} không phải tỉnh/thành phố trên cây đơn vị năm 2024.")
    assert _rows(2024) == before


def test_the_command_rebuilds_a_year_in_parallel_and_refuses_a_year_out_of_range(country):
    import io

    from django.core.management import CommandError, call_command

    aggregation.stats_rebuild(year=YEAR)
    full = _rows(YEAR)
    _scramble(YEAR)
    out = io.StringIO()
    call_command("stats_rebuild", "--year", str(YEAR), "--parallel", stdout=out)
    assert out.getvalue().startswith(f"Năm {YEAR}: 3 tỉnh/thành phố rồi cấp quốc gia, {len(full[0]):,} dòng, ")
    assert _rows(YEAR) == full
    _scramble(YEAR)
    scrambled = _rows(YEAR)
    with pytest.raises(CommandError, match="--year: năm “1999” không hợp lệ"):
        call_command("stats_rebuild", "--year", str(YEAR), "--year", "1999", stdout=io.StringIO())
    assert _rows(YEAR) == scrambled  # refused before any year was rebuilt


# --- locks (PostgreSQL): provinces side by side, one province at a time, the national step alone ----------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")


@pytest.fixture
def other_session(transactional_db):
    """A second connection to the test database, holding advisory locks as another worker would. The test runs
    outside a wrapping transaction (transactional_db): the rebuilds' transaction locks end at their own commit.
    Waits are cut short by lock_timeout, so that a lock the test expects to wait on fails it fast instead."""
    import psycopg2

    settings = connection.settings_dict
    other = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
                             host=settings["HOST"] or None, port=settings["PORT"] or None)
    other.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    yield other.cursor()
    other.close()
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


def _hold(cursor, year, unit_id=0, *, shared=False):
    function = "pg_advisory_lock_shared" if shared else "pg_advisory_lock"
    cursor.execute(f"SELECT {function}(%s, %s)", [aggregation._LOCK_SPACE + year, unit_id])


@postgresql_only
def test_a_province_under_way_holds_off_the_same_province_and_the_national_step_not_another_province(
        country, other_session):
    from django.db.utils import OperationalError

    first, second = country["provinces"]
    aggregation.stats_rebuild(year=YEAR)
    before = _rows(YEAR)
    # Another worker is rebuilding the first province: it holds the year shared and that province exclusively.
    _hold(other_session, YEAR, shared=True)
    _hold(other_session, YEAR, first.pk)
    for blocked in (lambda: aggregation.stats_rebuild_province(year=YEAR, province_id=first.pk),
                    lambda: aggregation.stats_rebuild_national(year=YEAR),
                    lambda: aggregation.stats_rebuild(year=YEAR)):
        with pytest.raises(OperationalError, match="lock timeout"):
            blocked()
    assert _rows(YEAR) == before
    # The second province goes ahead, and so does the same province of another year.
    assert aggregation.stats_rebuild_province(year=YEAR, province_id=second.pk) > 0
    aggregation.stats_rebuild(year=2025)
    assert _rows(YEAR) == before


@postgresql_only
def test_a_full_rebuild_under_way_holds_off_every_province(country, other_session):
    from django.db.utils import OperationalError

    aggregation.stats_rebuild(year=YEAR)
    before = _rows(YEAR)
    _hold(other_session, YEAR)  # a full rebuild, an incremental one or the national step of the year
    for province in country["provinces"]:
        with pytest.raises(OperationalError, match="lock timeout"):
            aggregation.stats_rebuild_province(year=YEAR, province_id=province.pk)
    assert _rows(YEAR) == before


def test_the_nightly_job_queues_one_full_rebuild_per_recent_year_each_a_task_of_its_own(country, monkeypatch):
    """Two years in one task would pass the stats queue's time limit at national scale (docs/scaling.md): the
    nightly job queues rebuild_stats once per year; eager Celery runs them here, and each year's table is the
    full rebuild's."""
    from reports import tasks

    expected = {}
    for year in (YEAR - 1, YEAR):
        aggregation.stats_rebuild(year=year)
        expected[year] = _rows(year)
        _scramble(year)
        assert _rows(year) != expected[year]
    queued = []
    monkeypatch.setattr(aggregation, "recent_years", lambda today=None: [YEAR - 1, YEAR])
    original = tasks.rebuild_stats.delay
    monkeypatch.setattr(tasks.rebuild_stats, "delay", lambda year: queued.append(year) or original(year))

    assert tasks.rebuild_stats_nightly.delay().get() == [YEAR - 1, YEAR]
    assert queued == [YEAR - 1, YEAR]
    for year in (YEAR - 1, YEAR):
        assert _rows(year) == expected[year]


def test_the_recent_years_are_the_previous_and_the_current_one():
    assert aggregation.recent_years(today=datetime.date(2027, 1, 15)) == [2026, 2027]
