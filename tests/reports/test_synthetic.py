"""The synthetic data generator (SQLite path, bulk_create in batches): reproducible, at the requested scale,
consistent with the titles' model, with both sources of the statistics; the command and its refusals."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.errors import DomainError
from reports import aggregation
from reports.models import Report, ReportFigure, ReportStatus, StatRollup
from reports.selectors import registry_facts
from reports.synthetic import generate_synthetic, synthetic_units
from titles.models import Decision, Recognition, SubjectKind
from titles.selectors import recognition_facts
from units.models import Citizen, Clan, Household, Kind, Level

YEAR = timezone.localdate().year - 1  # a finished year: every decision of it lies in the past


def _generate(tree, *, seed=7, households=300, replace=False, years=(YEAR,)):
    return generate_synthetic(provinces=[tree["p1"]], households=households, years=years, seed=seed,
                              replace=replace)


def _snapshot(province):
    units = synthetic_units(province)
    in_province = {"unit__path__startswith": province.path}
    return {
        "units": sorted(units.values_list("source_key", "name", "kind", "level")),
        "households": sorted(Household.objects.filter(unit__in=units).values_list(
            "unit__source_key", "code", "head_name", "address")),
        "citizens": sorted(Citizen.objects.filter(unit__in=units).values_list(
            "unit__source_key", "household__code", "full_name", "birth_year", "workplace")),
        "clans": sorted(Clan.objects.filter(unit__in=units).values_list("unit__source_key", "name")),
        "recognitions": sorted(Recognition.objects.filter(**in_province).values_list(
            "title_type__slug", "subject_kind", "unit__source_key", "household__code", "clan__name",
            "citizen__full_name", "year", "level", "valid_from", "valid_to", "decision__number")),
        "reports": sorted(Report.objects.filter(**in_province).values_list(
            "unit__source_key", "unit__name", "year", "status", "on_time")),
        "figures": sorted(Report.objects.filter(**in_province).values_list(
            "unit__source_key", "unit__name", "figures__indicator", "figures__numerator", "figures__denominator")),
    }


def test_same_seed_gives_the_same_data_set_and_another_seed_another(tree):
    _generate(tree)
    first = _snapshot(tree["p1"])
    _generate(tree, replace=True)
    assert _snapshot(tree["p1"]) == first
    _generate(tree, replace=True, seed=8)
    assert _snapshot(tree["p1"])["households"] != first["households"]


def test_generator_writes_the_requested_scale_consistently(tree):
    result = _generate(tree, households=300)
    hamlets = synthetic_units(tree["p1"]).filter(level=Level.HAMLET)
    assert result.households == 300 == Household.objects.filter(unit__in=hamlets).count()
    assert Citizen.objects.filter(household__unit__in=hamlets).count() == 900  # 3 per household
    assert result.communes == 2 and 40 <= hamlets.count() <= 80
    for commune in (tree["c1"], tree["c2"]):
        assert 20 <= hamlets.filter(parent=commune).count() <= 40
        assert synthetic_units(tree["p1"]).filter(parent=commune, level=Level.ORGANISATION).count() >= 3
    families = Recognition.objects.filter(subject_kind=SubjectKind.HOUSEHOLD, year=YEAR)
    assert 0.55 <= families.count() / 300 <= 0.85  # near the 70% target
    # A household's recognition is the titles' model: the hamlet as unit, a commune decision, 12 months.
    sample = families.select_related("household", "decision", "title_type").first()
    assert sample.unit_id == sample.household.unit_id and sample.title_type.slug == "gia-dinh-hoc-tap"
    assert sample.decision.authority.level == Level.COMMUNE and sample.decision.year == YEAR
    assert sample.valid_from == sample.decision.date and sample.valid_to.year == YEAR + 1
    assert sample.criteria_set_id is not None
    assert not Recognition.objects.filter(decision__in=Decision.objects.filter(date__gt=timezone.localdate())).exists()


def test_both_fact_sources_occur_and_the_rollup_uses_each_once(tree):
    _generate(tree, households=300, seed=3)
    aggregation.stats_rebuild(year=YEAR)
    reported = set(Report.objects.filter(year=YEAR, status=ReportStatus.ACCEPTED).values_list("unit_id", flat=True))
    assert reported, "some communes or schools report"
    rows = {(r.unit_id, r.indicator): (r.numerator, r.denominator) for r in StatRollup.objects.filter(year=YEAR)}
    for commune in (tree["c1"], tree["c2"]):
        registry = registry_facts(commune, YEAR)
        figures = dict(((i, (n, d)) for i, n, d in Report.objects.filter(unit=commune, year=YEAR).values_list(
            "figures__indicator", "figures__numerator", "figures__denominator")))
        source = figures.get("households_learning_family", registry["households_learning_family"])
        assert rows[commune.pk, "households_learning_family"] == source


def test_a_province_with_synthetic_data_is_refused_without_replace(tree):
    _generate(tree, households=50)
    before = _snapshot(tree["p1"])
    with pytest.raises(DomainError) as exc:
        _generate(tree, households=50, seed=99)
    assert "đã có dữ liệu tổng hợp" in exc.value.message
    assert _snapshot(tree["p1"]) == before


def test_years_outside_the_campaign_are_refused_and_nothing_is_written(tree):
    with pytest.raises(DomainError) as exc:
        _generate(tree, years=(2019,))
    assert "Năm phải trong khoảng" in exc.value.message
    assert not synthetic_units(tree["p1"]).exists() and not Household.objects.exists()


def test_command_generates_and_rebuilds_the_statistics(tree):
    out = io.StringIO()
    call_command("generate_synthetic", "--province-code", "91", "--households", "80", "--years", str(YEAR),
                 "--seed", "5", "--rebuild", stdout=out)
    assert "Đã tạo dữ liệu tổng hợp cho Tỉnh Thử Nghiệm" in out.getvalue()
    assert f"Thống kê năm {YEAR}" in out.getvalue()
    assert StatRollup.objects.filter(unit=tree["p1"], year=YEAR, indicator="households_learning_family").exists()


def test_command_refuses_an_unknown_province_and_bad_years(tree):
    with pytest.raises(CommandError, match="Không có tỉnh/thành phố hiện hành mã “77”"):
        call_command("generate_synthetic", "--province-code", "77", "--households", "10")
    with pytest.raises(CommandError, match="--years"):
        call_command("generate_synthetic", "--province-code", "91", "--households", "10", "--years", "2026-2024")
    assert not Household.objects.exists()


def test_years_before_the_reform_are_counted_on_the_communes_of_that_time(tree, settings):
    """2024 on the pre-reform tree: the predecessor communes report, today's commune and its hamlets do not
    count yet (no double count at the province); 2025 on today's tree; the trend joins the two."""
    from reports.selectors import trend
    from tests import factories as f
    from units.models import Succession

    reform = settings.ADMIN_REFORM_DATE
    last_day = reform - datetime.timedelta(days=1)
    district = f.UnitFactory(parent=tree["p1"], name="Huyện Cũ", level=Level.DISTRICT, kind=Kind.RURAL_DISTRICT,
                             valid_to=last_day)
    old_a = f.commune(district, name="Xã Cũ A", valid_to=last_day)
    old_b = f.commune(district, name="Xã Cũ B", valid_to=last_day)
    new = f.commune(tree["p1"], name="Xã Mới", valid_from=reform)
    for old in (old_a, old_b):
        Succession.objects.create(predecessor=old, successor=new, kind="merge", date=reform)
    generate_synthetic(provinces=[tree["p1"]], households=600, years=[2024, 2025], seed=11)
    new_hamlets = synthetic_units(tree["p1"]).filter(parent=new, level=Level.HAMLET)
    in_new = Household.objects.filter(unit__in=new_hamlets).count()
    assert in_new > 0

    reports_2024 = Report.objects.filter(year=2024, status=ReportStatus.ACCEPTED)
    assert set(reports_2024.filter(unit__in=[old_a, old_b, new]).values_list("unit_id", flat=True)) == {
        old_a.pk, old_b.pk}
    figures = {unit_id: (n, d) for unit_id, n, d in ReportFigure.objects.filter(
        report__in=reports_2024, report__unit__in=[old_a, old_b], indicator="households_learning_family",
    ).values_list("report__unit_id", "numerator", "denominator")}
    assert set(figures) == {old_a.pk, old_b.pk}
    recognised_2024 = Recognition.objects.filter(household__unit__in=new_hamlets, year=2024).count()
    # The predecessors' figures are their shares of what the registry of today's commune holds for 2024.
    assert sum(d for _n, d in figures.values()) == in_new
    assert sum(n for n, _d in figures.values()) == recognised_2024
    # The households of today's commune were recognised by the district then, by the commune since the reform.
    decided = Recognition.objects.filter(household__unit__in=new_hamlets).select_related("decision__authority")
    assert {r.decision.authority_id for r in decided if r.year == 2024} == {district.pk}
    assert {r.decision.authority_id for r in decided if r.year == 2025} == {new.pk}

    aggregation.stats_rebuild(year=2024)
    aggregation.stats_rebuild(year=2025)
    province = {r.year: (r.numerator, r.denominator) for r in StatRollup.objects.filter(
        unit=tree["p1"], indicator="households_learning_family")}
    assert province[2024][1] == 600  # every household once, never twice (predecessors' reports + the rest)
    assert abs(province[2025][1] - 600) <= 20  # 2025: some communes' officers count a few more or less
    assert not StatRollup.objects.filter(unit__in=new_hamlets, year=2024).exists()
    hamlet_ids = set(new_hamlets.values_list("id", flat=True))
    assert not [r for r in recognition_facts(2024) if r["unit_id"] in hamlet_ids]  # the titles' view agrees
    assert {r["unit_id"] for r in recognition_facts(2025)} >= hamlet_ids
    assert StatRollup.objects.get(unit=new, year=2025, indicator="households_learning_family").denominator == in_new
    rows = trend(new, "households_learning_family", 2024, 2025)
    assert (rows[0].source, rows[0].numerator, rows[0].denominator) == ("predecessors", recognised_2024, in_new)
    assert rows[1].source == "own" and rows[1].denominator == in_new
