"""Statistics across the 2025 reform (issue 13, point 4; ../shared/API.md, "Statistics").

A province dissolved on 30/06/2025 (Bình Dương) keeps 2025 statistics over the communes that succeeded its
communes, with its own targets and on_track, so its plan's interim review can be evaluated; the province that
succeeded it (Thành phố Hồ Chí Minh) takes a 2025 target weighted from its predecessors' where none was set; every
row says which rule produced it. Nothing is counted twice: the nation still sums the new tree only.

The tree below, 2025 figures of households (recognised/total) per new commune:
    BD (dissolved): bd1, bd2, bd_split          OHCM (dissolved): oh1
    HCM (new):  n1 ← bd1 + bd2 (whole)          70/100
                n2 ← half of bd_split + oh1     30/60    (bd_split is divided between n2 and n3)
                n3 ← half of bd_split           10/40
Pieces of n2: ½ from BD, 1 from OHCM → BD gets ⅓ of n2, OHCM ⅔.
    BD   = 70/100 + ⅓·30/60 + 10/40 = 90/160 (56.25 %)    OHCM = ⅔·30/60 = 20/40
"""

import datetime
from decimal import Decimal

import pytest

from campaigns.models import Target
from reports import aggregation
from reports.models import StatRollup
from reports.selectors import trend
from tests import factories as f
from units.models import Kind, Level, Succession
from units.roles import Role

from .conftest import make_round
from .test_aggregation import _accepted

END, REFORM = datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)
HOUSEHOLDS, CLANS = "households_learning_family", "clans_learning_clan"


@pytest.fixture
def reform(db, campaign):
    nation = f.UnitFactory(level=Level.NATION, kind=Kind.NATION, name="Việt Nam", code="VN")
    bd = f.province(parent=nation, name="Tỉnh Bình Dương", code="74", valid_to=END)
    ohcm = f.province(parent=nation, name="Thành phố Hồ Chí Minh (cũ)", code="79", valid_to=END)
    hcm = f.UnitFactory(parent=nation, name="Thành phố Hồ Chí Minh", code="79", level=Level.PROVINCE,
                        kind=Kind.CENTRAL_CITY, valid_from=REFORM)
    bd1, bd2, bd_split = (f.commune(bd, valid_to=END) for _i in range(3))
    oh1 = f.commune(ohcm, valid_to=END)
    n1, n2, n3 = (f.commune(hcm, valid_from=REFORM) for _i in range(3))

    def edge(old, new, *, partial=False, primary=True, kind="merge"):
        Succession.objects.create(predecessor=old, successor=new, kind=kind, date=REFORM, partial=partial,
                                  primary=primary)

    edge(bd, hcm)
    edge(ohcm, hcm)
    edge(bd1, n1)
    edge(bd2, n1)
    edge(bd_split, n2, partial=True, kind="split")
    edge(bd_split, n3, partial=True, primary=False, kind="split")
    edge(oh1, n2)
    round_ = make_round(campaign, nation, Level.COMMUNE, year=2025, indicators=[HOUSEHOLDS, CLANS],
                        deadline=datetime.date(2025, 11, 20), opens=datetime.date(2025, 9, 1))
    user = f.member(nation, Role.VIEWER, username="bo.xem")
    _accepted(n1, round_, user, {HOUSEHOLDS: (70, 100), CLANS: (6, 10)})
    _accepted(n2, round_, user, {HOUSEHOLDS: (30, 60)})
    _accepted(n3, round_, user, {HOUSEHOLDS: (10, 40)})
    # Plan 151/KH-UBND's 2025 targets were set on Bình Dương itself, before it was dissolved.
    Target.objects.create(indicator=HOUSEHOLDS, unit=bd, year=2025, percentage=70, campaign=campaign)
    Target.objects.create(indicator=CLANS, unit=bd, year=2025, percentage=60, campaign=campaign)
    Target.objects.create(indicator=HOUSEHOLDS, unit=nation, year=2025, percentage=65, campaign=campaign)
    return {"nation": nation, "bd": bd, "ohcm": ohcm, "hcm": hcm, "n1": n1, "n2": n2, "n3": n3,
            "viewer": user, "round": round_}


def _row(unit, indicator=HOUSEHOLDS, year=2025):
    return StatRollup.objects.get(unit=unit, year=year, indicator=indicator)


def test_a_dissolved_province_has_2025_figures_over_its_successors_with_its_own_targets(reform):
    aggregation.stats_rebuild(year=2025)
    bd = _row(reform["bd"])
    assert (bd.numerator, bd.denominator, bd.percentage) == (90, 160, Decimal("56.25"))
    assert (bd.target, bd.on_track) == (Decimal("70.00"), False)
    ohcm = _row(reform["ohcm"])
    assert (ohcm.numerator, ohcm.denominator, ohcm.target) == (20, 40, Decimal("65.00"))  # the nation's target
    # The on_track boundary: exactly at the target is on track (6/10 = 60 % against 60 %).
    clans = _row(reform["bd"], CLANS)
    assert (clans.numerator, clans.denominator, clans.target, clans.on_track) == (6, 10, Decimal("60.00"), True)


def test_the_successor_province_takes_its_predecessors_targets_weighted_by_their_denominators(reform):
    aggregation.stats_rebuild(year=2025)
    hcm = _row(reform["hcm"])
    assert (hcm.numerator, hcm.denominator) == (110, 200)
    # (70 × 160 + 65 × 40) ÷ 200: Bình Dương's own target and the one its old neighbour followed.
    assert (hcm.target, hcm.on_track) == (Decimal("69.00"), False)
    # A target set for the successor itself wins over the derived one.
    Target.objects.create(indicator=HOUSEHOLDS, unit=reform["hcm"], year=2025, percentage=50,
                          campaign=reform["round"].campaign)
    aggregation.stats_rebuild(year=2025)
    hcm = _row(reform["hcm"])
    assert (hcm.target, hcm.on_track) == (Decimal("50.00"), True)


def test_nothing_is_counted_twice_after_a_full_and_an_incremental_rebuild(reform):
    aggregation.stats_rebuild(year=2025)
    assert (_row(reform["nation"]).numerator, _row(reform["nation"]).denominator) == (110, 200)
    full = sorted(StatRollup.objects.filter(year=2025).values_list(
        "unit_id", "indicator", "numerator", "denominator", "percentage", "target", "on_track"))
    # An acceptance elsewhere recomputes the nation from its children's stored rows: the dissolved provinces'
    # rows (over the same communes as the new city's) must not be added to it.
    aggregation.stats_rebuild(year=2025, unit_ids=[reform["n3"].pk, reform["hcm"].pk, reform["nation"].pk])
    again = sorted(StatRollup.objects.filter(year=2025).values_list(
        "unit_id", "indicator", "numerator", "denominator", "percentage", "target", "on_track"))
    assert again == full
    assert (_row(reform["nation"]).numerator, _row(reform["nation"]).denominator) == (110, 200)


def test_years_before_the_end_keep_their_own_basis(reform, campaign):
    """2024: Bình Dương is on the tree; no successor row is made for it, its own facts stand."""
    round_ = make_round(campaign, reform["nation"], Level.COMMUNE, year=2024, indicators=[HOUSEHOLDS],
                        deadline=datetime.date(2024, 11, 20), opens=datetime.date(2024, 9, 1))
    bd1 = reform["bd"].children.order_by("pk").first()
    _accepted(bd1, round_, reform["viewer"], {HOUSEHOLDS: (5, 10)})
    aggregation.stats_rebuild(year=2024)
    assert (_row(reform["bd"], year=2024).numerator, _row(reform["bd"], year=2024).denominator) == (5, 10)
    assert not StatRollup.objects.filter(year=2024, unit=reform["hcm"]).exists()


def test_api_names_the_rule_of_each_figure_and_of_each_target(api_client, reform):
    aggregation.stats_rebuild(year=2025)
    officer = f.member(reform["bd"], Role.VIEWER, username="binhduong.xem")
    api_client.force_authenticate(officer)
    rows = api_client.get("/api/v1/stats/", {"unit": reform["bd"].pk, "year": 2025}).json()["results"]
    by_indicator = {r["indicator"]: r for r in rows}
    assert by_indicator[HOUSEHOLDS] | {"unit": None} == {
        "unit": None, "year": 2025, "indicator": HOUSEHOLDS, "numerator": 90, "denominator": 160,
        "percentage": 56.25, "target": 70.0, "on_track": False, "basis": "successors", "target_basis": "own"}
    api_client.force_authenticate(reform["viewer"])
    hcm = api_client.get("/api/v1/stats/", {"unit": reform["hcm"].pk, "year": 2025,
                                             "indicator": HOUSEHOLDS}).json()["results"]
    assert [(r["basis"], r["target"], r["target_basis"]) for r in hcm] == [("own", 69.0, "predecessors")]
    ohcm = api_client.get("/api/v1/stats/", {"unit": reform["ohcm"].pk, "year": 2025,
                                              "indicator": HOUSEHOLDS}).json()["results"]
    assert [(r["basis"], r["target_basis"]) for r in ohcm] == [("successors", "ancestor")]
    communes = api_client.get("/api/v1/stats/", {"unit": reform["hcm"].pk, "year": 2025, "level": "commune",
                                                  "indicator": CLANS}).json()["results"]
    assert [(r["basis"], r["target_basis"]) for r in communes] == [("own", None)]
    # The nation's provinces in 2025: the new city only; the dissolved ones would count its communes again.
    provinces = api_client.get("/api/v1/stats/", {"unit": reform["nation"].pk, "year": 2025, "level": "province",
                                                   "indicator": HOUSEHOLDS}).json()["results"]
    assert [r["unit"]["id"] for r in provinces] == [reform["hcm"].pk]


def test_trend_rows_say_their_basis_across_the_reform(api_client, reform):
    aggregation.stats_rebuild(year=2025)
    api_client.force_authenticate(reform["viewer"])
    bd = api_client.get("/api/v1/stats/trend/", {"indicator": HOUSEHOLDS, "unit": reform["bd"].pk,
                                                 "from": 2024, "to": 2026}).json()
    assert [(r["year"], r["basis"], r["numerator"]) for r in bd] == [
        (2024, "own", None), (2025, "successors", 90), (2026, "successors", None)]
    assert (bd[1]["target"], bd[1]["on_track"]) == (70.0, False)
    hcm = trend(reform["hcm"], HOUSEHOLDS, 2024, 2025)
    assert [(r.year, r.basis) for r in hcm] == [(2024, "predecessors"), (2025, "own")]
    assert (hcm[1].target, hcm[1].on_track) == (Decimal("69.00"), False)  # the rollup's derived target


def test_a_dissolved_province_outside_the_scope_is_refused_and_nothing_changes(api_client, reform):
    aggregation.stats_rebuild(year=2025)
    before = list(StatRollup.objects.order_by("pk").values_list("pk", "numerator", "target"))
    stranger = f.member(reform["ohcm"], Role.VIEWER, username="tinhkhac.xem")
    api_client.force_authenticate(stranger)
    response = api_client.get("/api/v1/stats/", {"unit": reform["bd"].pk, "year": 2025})
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy đơn vị hoặc bạn không có quyền xem."
    trend_response = api_client.get("/api/v1/stats/trend/", {"indicator": HOUSEHOLDS, "unit": reform["bd"].pk,
                                                             "from": 2024, "to": 2025})
    assert trend_response.status_code == 404
    assert list(StatRollup.objects.order_by("pk").values_list("pk", "numerator", "target")) == before


def test_demo_rounds_cascade_communes_to_the_district_and_districts_to_the_so_before_the_reform(db, campaign):
    """2023–2024: communes send to the district People's Committee by its date (10/11), the district sums them for
    the Sở by 20/11 (the demo builds those summaries); from 2025 communes send to the Sở by 20/11."""
    from reports import demo
    from reports.models import Report, ReportingRound

    nation = f.UnitFactory(level=Level.NATION, kind=Kind.NATION, name="Việt Nam", code="VN")
    province = f.province(parent=nation, name="Tỉnh Hà Tĩnh", code="42")
    district = f.UnitFactory(parent=province, level=Level.DISTRICT, kind=Kind.RURAL_DISTRICT, name="Huyện Cẩm Xuyên",
                             code="436", valid_to=END)
    commune = f.commune(district, valid_to=END)
    demo._rounds(campaign, nation)
    rounds = {(r.year, r.level): r for r in ReportingRound.objects.all()}
    assert (rounds[2024, Level.COMMUNE].deadline, rounds[2024, Level.COMMUNE].recipient) == (
        datetime.date(2024, 11, 10), "Ủy ban nhân dân cấp huyện")
    assert (rounds[2024, Level.DISTRICT].deadline, rounds[2024, Level.DISTRICT].is_summary,
            rounds[2024, Level.DISTRICT].recipient) == (datetime.date(2024, 11, 20), True, "Sở Giáo dục và Đào tạo")
    assert (rounds[2025, Level.COMMUNE].deadline, rounds[2025, Level.COMMUNE].recipient) == (
        datetime.date(2025, 11, 20), "Sở Giáo dục và Đào tạo")
    assert (2025, Level.DISTRICT) not in rounds
    officer = f.member(province, Role.ADMIN, username="tinh.admin")
    reviewer = f.member(province, Role.REVIEWER, username="so.duyet")
    _accepted(commune, rounds[2024, Level.COMMUNE], officer, {HOUSEHOLDS: (40, 50)})
    aggregation.stats_rebuild(year=2024)
    demo._district_summaries(province, 2024, officer, reviewer)
    summary = Report.objects.get(unit=district, year=2024)
    assert (summary.is_summary, summary.status, summary.on_time) == (True, "accepted", True)
    assert summary.figures.get(indicator=HOUSEHOLDS).numerator == 40
    demo._district_summaries(province, 2025, officer, reviewer)  # no districts after the reform: nothing made
    assert Report.objects.filter(year=2025).count() == 0


def test_demo_gives_binh_duongs_successor_communes_2025_reports_so_its_statistics_have_values(reform):
    """Done-criterion of issue 13: in the demo, 2025 statistics of the dissolved province have values and targets."""
    from reports import demo
    from reports.models import Report

    Report.objects.all().delete()
    reform["round"].indicators = [str(i) for i in demo.COMMUNE_INDICATORS]  # the demo's commune round
    reform["round"].save(update_fields=["indicators"])
    units = type(reform["bd"]).objects
    units.filter(pk=reform["bd"].pk).update(source_key="old:tinhbinhduong")
    f.UserFactory(username="admin", is_superuser=True, is_staff=True)  # the demo's system administrator
    demo._binhduong_successors(2025)
    reports = Report.objects.filter(year=2025)
    assert sorted(reports.values_list("unit_id", "status")) == sorted(
        (reform[n].pk, "accepted") for n in ("n1", "n2", "n3"))
    aggregation.stats_rebuild(year=2025)
    bd = _row(reform["bd"])
    assert bd.denominator > 0 and bd.target == Decimal("70.00") and bd.on_track is not None
