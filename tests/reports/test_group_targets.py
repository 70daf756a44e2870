"""Targets on the rollup by unit group (issue 14, item 6; reports/targets.py): own > group > ancestor, inherited down
to hamlets, only inside the target's unit, for built-in and data-defined indicators, with `target_basis` and the
trend naming the same target as the stored row."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from campaigns.models import Target
from core.models import User
from definitions.models import Direction, IndicatorDefinition, UnitGroup
from reports import aggregation, selectors
from reports.facts import Scope
from reports.models import Report, ReportFigure, ReportStatus, StatRollup
from reports.targets import apply_targets
from tests import factories as f
from units.models import Household, Level

from .conftest import YEAR, make_round

HOUSEHOLDS = "households_learning_family"


@pytest.fixture
def land(db, campaign):
    """Nation → Hà Tĩnh (mountainous communes Hương Khê with a hamlet, Vũ Quang with a report; lowland Cẩm Xuyên
    with a hamlet) and Quảng Bình (mountainous Minh Hóa with a hamlet)."""
    nation = f.UnitFactory(name="Việt Nam", level=Level.NATION, kind="quoc_gia", code="VN")
    hatinh = f.province(name="Tỉnh Hà Tĩnh", code="42", parent=nation)
    quangbinh = f.province(name="Tỉnh Quảng Bình", code="44", parent=nation)
    huongkhe = f.commune(hatinh, name="Xã Hương Khê", code="42001")
    vuquang = f.commune(hatinh, name="Xã Vũ Quang", code="42002")
    camxuyen = f.commune(hatinh, name="Xã Cẩm Xuyên", code="42003")
    minhhoa = f.commune(quangbinh, name="Xã Minh Hóa", code="44001")
    units = {
        "nation": nation, "hatinh": hatinh, "quangbinh": quangbinh, "huongkhe": huongkhe, "vuquang": vuquang,
        "camxuyen": camxuyen, "minhhoa": minhhoa,
        "h_huongkhe": f.hamlet(huongkhe, name="Thôn Phúc Đồng", code=""),
        "h_camxuyen": f.hamlet(camxuyen, name="Thôn Cẩm Hòa", code=""),
        "h_minhhoa": f.hamlet(minhhoa, name="Bản Yên Hợp", code=""),
    }
    for key in ("h_huongkhe", "h_camxuyen", "h_minhhoa"):
        Household.objects.bulk_create([Household(unit=units[key], code=f"{key}{i}", head_name=f"Chủ hộ {i}")
                                       for i in range(5)])
    # Vũ Quang's accepted report: 70 of 100 households (its figures replace its registry).
    round_ = make_round(campaign, hatinh, Level.COMMUNE)
    user = f.UserFactory(username="so.lieu")
    report = Report.objects.create(unit=vuquang, year=YEAR, round=round_, status=ReportStatus.ACCEPTED,
                                   created_by=user, on_time=True, first_submitted_at=timezone.now(),
                                   accepted_at=timezone.now())
    ReportFigure.objects.create(report=report, indicator=HOUSEHOLDS, numerator=70, denominator=100)
    # Mountainous communes nationwide; Hà Tĩnh's own list (Hương Khê and Vũ Quang) and Minh Hóa in Quảng Bình.
    mountain = UnitGroup.objects.create(code="xa_mien_nui_ha_tinh", name="Xã miền núi", owner=hatinh)
    mountain.units.add(huongkhe, vuquang)
    national = UnitGroup.objects.create(code="xa_mien_nui", name="Xã miền núi cả nước")
    national.units.add(huongkhe, vuquang, minhhoa)
    units["mountain"], units["national_mountain"] = mountain, national
    return units


def _target(campaign, unit, percentage, *, group=None, indicator=HOUSEHOLDS):
    return Target.objects.create(campaign=campaign, unit=unit, unit_group=group, indicator=indicator, year=YEAR,
                                 percentage=percentage)


def _targets(indicator=HOUSEHOLDS):
    return {r.unit_id: r for r in StatRollup.objects.filter(year=YEAR, indicator=indicator, option__isnull=True)}


def _bases():
    superuser = User.objects.create_superuser(username="quan.tri", password="x")
    return {r.unit_id: r.target_basis for r in selectors.stats_rows(superuser, indicator=HOUSEHOLDS, year=YEAR)}


def test_a_group_target_reaches_its_members_and_their_hamlets_only(land, campaign):
    _target(campaign, land["nation"], 50)
    _target(campaign, land["hatinh"], 70)
    _target(campaign, land["hatinh"], 60, group=land["mountain"])
    aggregation.stats_rebuild(year=YEAR)
    rows = _targets()

    # Members and what lies under them: the group's 60, not the province's 70.
    assert rows[land["huongkhe"].pk].target == 60
    assert rows[land["h_huongkhe"].pk].target == 60
    assert rows[land["vuquang"].pk].target == 60
    assert rows[land["vuquang"].pk].on_track is True  # 70 of 100 ≥ 60 %
    # Not members: the nearest ancestor's general target, as before groups.
    assert rows[land["hatinh"].pk].target == 70
    assert rows[land["camxuyen"].pk].target == 70 and rows[land["h_camxuyen"].pk].target == 70
    # Minh Hóa is not in Hà Tĩnh's group (nor could be: it lies outside Hà Tĩnh): the nation's general target.
    assert rows[land["minhhoa"].pk].target == 50 and rows[land["h_minhhoa"].pk].target == 50
    assert rows[land["nation"].pk].target == 50


def test_own_target_beats_group_and_the_deepest_group_target_wins(land, campaign):
    _target(campaign, land["hatinh"], 70)
    _target(campaign, land["nation"], 40, group=land["national_mountain"])
    _target(campaign, land["hatinh"], 60, group=land["mountain"])
    _target(campaign, land["huongkhe"], 85)
    aggregation.stats_rebuild(year=YEAR)
    rows, bases = _targets(), _bases()

    assert (rows[land["huongkhe"].pk].target, bases[land["huongkhe"].pk]) == (85, "own")
    # Its hamlet is not Hương Khê itself: a group target (its ancestor is a member) comes before an ancestor's
    # general target, as the precedence says.
    assert (rows[land["h_huongkhe"].pk].target, bases[land["h_huongkhe"].pk]) == (60, "group")
    # Vũ Quang is in both groups: Hà Tĩnh's target (set deeper) beats the national one.
    assert (rows[land["vuquang"].pk].target, bases[land["vuquang"].pk]) == (60, "group")
    # A group target beats a deeper general one: Minh Hóa takes the national group's 40, not a general target.
    assert (rows[land["minhhoa"].pk].target, bases[land["minhhoa"].pk]) == (40, "group")
    assert (rows[land["h_minhhoa"].pk].target, bases[land["h_minhhoa"].pk]) == (40, "group")
    assert (rows[land["camxuyen"].pk].target, bases[land["camxuyen"].pk]) == (70, "ancestor")
    assert (rows[land["hatinh"].pk].target, bases[land["hatinh"].pk]) == (70, "own")
    assert rows[land["nation"].pk].target is None and bases[land["nation"].pk] is None

    # The trend (and every other reader of targets_for) names the same target as the stored row.
    for unit_key in ("huongkhe", "h_huongkhe", "vuquang", "minhhoa", "h_minhhoa", "camxuyen", "hatinh", "nation"):
        unit = land[unit_key]
        assert selectors.targets_for(unit, HOUSEHOLDS, [YEAR]).get(YEAR) == rows[unit.pk].target, unit_key


def test_a_group_member_outside_the_target_unit_gets_nothing_from_it(land, campaign):
    """A national group's member in Quảng Bình is not reached by a target Hà Tĩnh sets with that group."""
    _target(campaign, land["hatinh"], 65, group=land["national_mountain"])
    aggregation.stats_rebuild(year=YEAR)
    rows = _targets()
    assert rows[land["huongkhe"].pk].target == 65 and rows[land["vuquang"].pk].target == 65
    assert rows[land["minhhoa"].pk].target is None and rows[land["h_minhhoa"].pk].target is None
    assert rows[land["camxuyen"].pk].target is None and rows[land["hatinh"].pk].target is None


def test_incremental_rebuild_gives_the_group_targets_of_the_full_one(land, campaign):
    _target(campaign, land["hatinh"], 70)
    _target(campaign, land["hatinh"], 60, group=land["mountain"])
    aggregation.stats_rebuild(year=YEAR)
    full = sorted(StatRollup.objects.filter(year=YEAR).values_list("unit_id", "indicator", "target", "on_track"))
    aggregation.stats_rebuild(year=YEAR, unit_ids=[land["h_huongkhe"].pk, land["vuquang"].pk])
    again = sorted(StatRollup.objects.filter(year=YEAR).values_list("unit_id", "indicator", "target", "on_track"))
    assert again == full


def _data_defined_rows(land, slug):
    """Rows of a data-defined indicator as reports.value_rollup writes them (here by hand: this test is about the
    targets, not about how the values were summed)."""
    now = timezone.now()
    figures = {"hatinh": (30, 100), "huongkhe": (12, 40), "vuquang": (3, 30), "camxuyen": (5, 30)}
    StatRollup.objects.bulk_create([
        StatRollup(unit=land[key], year=YEAR, indicator=slug, numerator=n, denominator=d, computed_at=now,
                   percentage=(Decimal(n) * 100 / d).quantize(Decimal("0.01")))
        for key, (n, d) in figures.items()])


def test_a_data_defined_indicator_takes_group_targets_and_its_direction(land, campaign):
    # Lower is better: the share of households in poverty among ethnic-minority households, per 100.
    slug = "ho_ngheo_dan_toc_thieu_so"
    IndicatorDefinition.objects.create(slug=slug, name="Tỷ lệ hộ nghèo dân tộc thiểu số",
                                       numerator="#{ho_ngheo_dtts}", denominator="#{ho_dtts}",
                                       direction=Direction.LOWER)
    _data_defined_rows(land, slug)
    _target(campaign, land["hatinh"], 20, indicator=slug)
    _target(campaign, land["hatinh"], 25, group=land["mountain"], indicator=slug)
    with connection.cursor() as cursor:
        apply_targets(cursor, YEAR, Scope(prefixes=(land["hatinh"].path,)))
    rows = _targets(slug)
    assert (rows[land["hatinh"].pk].target, rows[land["hatinh"].pk].on_track) == (20, False)  # 30 % > 20 %
    assert (rows[land["huongkhe"].pk].target, rows[land["huongkhe"].pk].on_track) == (25, False)  # 30 % > 25 %
    assert (rows[land["vuquang"].pk].target, rows[land["vuquang"].pk].on_track) == (25, True)  # 10 % ≤ 25 %
    assert (rows[land["camxuyen"].pk].target, rows[land["camxuyen"].pk].on_track) == (20, True)  # 16.67 % ≤ 20 %
    # The built-in rows of the same units are untouched by targets of another indicator.
    assert not StatRollup.objects.filter(year=YEAR, indicator=HOUSEHOLDS, target__isnull=False).exists()
