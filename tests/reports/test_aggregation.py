"""The rollup: additive over the tree with both fact sources (accepted reports and registries), one source per
reporting area, idempotent, incremental == full, summary reports not counted twice, targets inherited."""

import datetime
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from campaigns.models import Target
from reports import aggregation, services
from reports.models import Report, ReportFigure, ReportStatus, StatRollup, StatsDirty
from tests import factories as f
from titles.models import Decision, Recognition, SubjectKind, TitleType
from titles.selectors import recognition_facts
from units.models import Citizen, Clan, Household, Kind, Level

from .conftest import BASE_FIGURES, YEAR, make_round

# What a commune's or a school's report may carry in the generated tree.
COMMUNE_CHOICES = [*BASE_FIGURES, "units_learning_unit", "officials_learning_citizen"]
SCHOOL_CHOICES = ["units_learning_unit", "officials_learning_citizen"]


def _accepted(unit, round_, user, figures, *, summary=False, on_time=True):
    report = Report.objects.create(unit=unit, year=round_.year, round=round_, status=ReportStatus.ACCEPTED,
                                   is_summary=summary, created_by=user, on_time=on_time,
                                   first_submitted_at=timezone.now(), accepted_at=timezone.now())
    ReportFigure.objects.bulk_create([ReportFigure(report=report, indicator=i, numerator=n, denominator=d)
                                      for i, (n, d) in figures.items()])
    return report


def _random_figures(rng, choices, count):
    figures = {}
    for indicator in rng.sample(choices, count):
        total = rng.randint(0, 400)
        figures[indicator] = (rng.randint(0, total), total)
    return figures


class Registry:
    """Writes registry rows and recognitions for YEAR, one decision per title."""

    def __init__(self, user, authority):
        self.titles = {t.indicator: t for t in TitleType.objects.exclude(indicator="")}
        self.decisions = {
            indicator: Decision.objects.create(title_type=t, authority=authority, number=f"{t.pk}/QĐ-UBND",
                                               date=datetime.date(YEAR, 3, 1), signer="Trần Văn Ký", year=YEAR,
                                               created_by=user)
            for indicator, t in self.titles.items()
        }

    def recognise(self, indicator, unit, **subject):
        title = self.titles[indicator]
        Recognition.objects.create(title_type=title, decision=self.decisions[indicator],
                                   subject_kind=title.subject_kind, unit=unit, year=YEAR,
                                   valid_from=datetime.date(YEAR, 3, 1), valid_to=datetime.date(YEAR + 1, 2, 28),
                                   **subject)

    def household(self, hamlet, code, recognised, members):
        household = Household.objects.create(unit=hamlet, code=code, head_name=f"Chủ hộ {code}")
        if recognised:
            self.recognise("households_learning_family", hamlet, household=household)
        for i, (working, learning) in enumerate(members):
            self.citizen(hamlet, f"{code}-{i}", working, learning, household=household)
        return household

    def citizen(self, unit, name, working, learning, household=None):
        citizen = Citizen.objects.create(unit=unit, household=household, full_name=f"Công dân {name}",
                                         workplace="Hợp tác xã" if working else "")
        if learning:
            self.recognise("citizens_learning_citizen", unit, citizen=citizen)


@pytest.fixture
def generated(db, campaign):
    """nation → 2 provinces → 3 districts → 4 communes, each with 2 hamlets (households, members, clans), a school
    and a People's Committee with staff; random recognitions; random accepted reports of communes and schools.

    Communes and schools are due to report (base rounds); the People's Committee is not (kinds), so its registry
    rows belong to its commune's area."""
    rng = random.Random(42)
    user = f.UserFactory(username="ghi.so.lieu")
    nation = f.UnitFactory(level=Level.NATION, kind=Kind.NATION, name="Việt Nam", code="VN")
    registry = Registry(user, nation)
    rounds = {
        "province": make_round(campaign, nation, Level.PROVINCE, summary=True),
        "district": make_round(campaign, nation, Level.DISTRICT, summary=True),
        "commune": make_round(campaign, nation, Level.COMMUNE),
        "organisation": make_round(campaign, nation, Level.ORGANISATION, kinds=[Kind.SCHOOL]),
    }
    units, figures = [nation], {}
    for p in range(2):
        province = f.UnitFactory(parent=nation, level=Level.PROVINCE, kind=Kind.PROVINCE, name=f"Tỉnh {p}")
        units.append(province)
        # The province's own summary report carries big figures: they must not be added again.
        _accepted(province, rounds["province"], user, {"households_learning_family": (10**6, 10**6)}, summary=True)
        for _d in range(3):
            district = f.UnitFactory(parent=province, level=Level.DISTRICT, kind=Kind.RURAL_DISTRICT)
            units.append(district)
            for _c in range(4):
                units += _commune(rng, registry, district, rounds, user, figures)
    for u in units:
        u.refresh_from_db()
    return {"nation": nation, "units": units, "figures": figures, "rounds": rounds, "user": user,
            "registry": registry}


def _commune(rng, registry, district, rounds, user, figures):
    commune = f.commune(district)
    school = f.organisation(commune)
    committee = f.organisation(commune, kind=Kind.PEOPLES_COMMITTEE)
    hamlets = [f.hamlet(commune), f.hamlet(commune)]
    for hamlet in hamlets:
        for h in range(rng.randint(0, 4)):
            members = [(rng.random() < 0.6, rng.random() < 0.5) for _m in range(rng.randint(1, 3))]
            registry.household(hamlet, f"{hamlet.pk}-{h}", rng.random() < 0.6, members)
        for c in range(rng.randint(0, 2)):
            clan = Clan.objects.create(unit=hamlet, name=f"Dòng họ {c}")
            if rng.random() < 0.5:
                registry.recognise("clans_learning_clan", hamlet, clan=clan)
        if rng.random() < 0.5:
            registry.recognise("hamlets_learning_community", hamlet)
    for organisation in (school, committee):
        for s in range(rng.randint(1, 4)):
            registry.citizen(organisation, f"{organisation.pk}-{s}", True, rng.random() < 0.6)
        if rng.random() < 0.5:
            registry.recognise("units_learning_unit", organisation)
    if rng.random() < 0.5:
        registry.recognise("communes_learning_community", commune)
    if rng.random() < 0.5:
        figures[commune.pk] = _random_figures(rng, COMMUNE_CHOICES, 4)
        _accepted(commune, rounds["commune"], user, figures[commune.pk], on_time=rng.random() < 0.7)
    if rng.random() < 0.5:
        figures[school.pk] = _random_figures(rng, SCHOOL_CHOICES, rng.randint(1, 2))
        _accepted(school, rounds["organisation"], user, figures[school.pk])
    return [commune, school, committee, *hamlets]


def _own_facts(units, figures):
    """The rule, written plainly: a registry row counts unless its unit's nearest reporter has a figure for it."""
    by_path = {u.path: u for u in units}
    reporters = {u.pk for u in units if u.level == Level.COMMUNE or u.kind == Kind.SCHOOL} | set(figures)
    own = defaultdict(lambda: [0, 0])
    for unit_id, indicators in figures.items():
        for indicator, (n, d) in indicators.items():
            own[unit_id, indicator][0] += n
            own[unit_id, indicator][1] += d
    unit_by_id = {u.pk: u for u in units}
    for row in recognition_facts(YEAR):
        unit = unit_by_id[row["unit_id"]]
        ancestors = [by_path[unit.path[:end]] for end in range(9, len(unit.path) + 1, 9)]
        owner = next((a for a in reversed(ancestors) if a.pk in reporters), None)
        if owner is not None and row["indicator"] in figures.get(owner.pk, {}):
            continue
        own[unit.pk, row["indicator"]][0] += row["numerator"]
        own[unit.pk, row["indicator"]][1] += row["denominator"]
    return own


def _rollup():
    return {(r.unit_id, r.indicator): (r.numerator, r.denominator)
            for r in StatRollup.objects.filter(year=YEAR).exclude(indicator="reports_on_time")}


def _all_rows():
    return sorted(StatRollup.objects.filter(year=YEAR).values_list(
        "unit_id", "indicator", "numerator", "denominator", "percentage", "target", "on_track"))


def test_every_unit_equals_the_sum_of_its_children_plus_its_own_base_facts(generated):
    aggregation.stats_rebuild(year=YEAR)
    rollup = _rollup()
    own = _own_facts(generated["units"], generated["figures"])
    children = defaultdict(list)
    for u in generated["units"]:
        if u.parent_id:
            children[u.parent_id].append(u.pk)
    indicators = {i for _u, i in rollup}
    assert {"households_learning_family", "citizens_learning_citizen", "officials_learning_citizen",
            "workers_learning_citizen", "units_learning_unit"} <= indicators
    for unit in generated["units"]:
        for indicator in indicators:
            expected = [sum(rollup.get((c, indicator), (0, 0))[k] for c in children[unit.pk]) for k in (0, 1)]
            expected = [expected[k] + own[unit.pk, indicator][k] for k in (0, 1)]
            assert rollup.get((unit.pk, indicator), (0, 0)) == tuple(expected), (unit, indicator)
    # The provinces' summary reports (10^6 households each) were not added again.
    assert rollup[(generated["nation"].pk, "households_learning_family")][1] < 10**6


def test_each_subtree_sums_its_facts_with_one_source_per_reporting_area(generated):
    aggregation.stats_rebuild(year=YEAR)
    own = _own_facts(generated["units"], generated["figures"])
    expected = defaultdict(lambda: [0, 0])
    for (unit_id, indicator), (n, d) in own.items():
        unit = next(u for u in generated["units"] if u.pk == unit_id)
        for end in range(9, len(unit.path) + 1, 9):
            ancestor = next(u for u in generated["units"] if u.path == unit.path[:end])
            expected[ancestor.pk, indicator][0] += n
            expected[ancestor.pk, indicator][1] += d
    assert _rollup() == {key: tuple(pair) for key, pair in expected.items()}
    # Both sources occur: reports replaced some registry rows, registries filled in elsewhere.
    assert generated["figures"] and any(o != [0, 0] for (u, _i), o in own.items() if u not in generated["figures"])


def test_commune_report_replaces_its_hamlets_registry_and_is_not_counted_twice(db, campaign, tree):
    user = f.UserFactory(username="so.lieu")
    registry = Registry(user, tree["p1"])
    round_ = make_round(campaign, tree["p1"], Level.COMMUNE)
    for i in range(10):
        registry.household(tree["h1"], f"A{i}", i < 7, [])
    _accepted(tree["c1"], round_, user, {"households_learning_family": (70, 100)})
    aggregation.stats_rebuild(year=YEAR)
    rows = _rollup()
    assert rows[tree["c1"].pk, "households_learning_family"] == (70, 100)
    assert (tree["h1"].pk, "households_learning_family") not in rows
    assert rows[tree["p1"].pk, "households_learning_family"] == (70, 100)


def test_commune_without_a_report_counts_its_registry_facts(db, campaign, tree):
    user = f.UserFactory(username="so.lieu")
    registry = Registry(user, tree["p1"])
    round_ = make_round(campaign, tree["p1"], Level.COMMUNE)
    for i in range(10):
        registry.household(tree["h1"], f"A{i}", i < 7, [])
    for i in range(4):
        registry.household(tree["h2"], f"B{i}", i < 1, [])
    _accepted(tree["c1"], round_, user, {"clans_learning_clan": (1, 2)})  # a report without households
    aggregation.stats_rebuild(year=YEAR)
    rows = _rollup()
    assert rows[tree["c1"].pk, "households_learning_family"] == (7, 10)
    assert rows[tree["c2"].pk, "households_learning_family"] == (1, 4)
    assert rows[tree["h2"].pk, "households_learning_family"] == (1, 4)
    assert rows[tree["p1"].pk, "households_learning_family"] == (8, 14)


def test_school_that_reports_itself_keeps_its_own_figures_beside_the_commune_report(db, campaign, tree):
    user = f.UserFactory(username="so.lieu")
    registry = Registry(user, tree["p1"])
    rounds = {"commune": make_round(campaign, tree["p1"], Level.COMMUNE),
              "organisation": make_round(campaign, tree["p1"], Level.ORGANISATION, kinds=[Kind.SCHOOL])}
    committee = f.organisation(tree["c1"], kind=Kind.PEOPLES_COMMITTEE)
    registry.recognise("units_learning_unit", tree["s1"])
    registry.recognise("units_learning_unit", committee)
    # The commune's figure covers its area: the People's Committee, not the school that reports itself.
    _accepted(tree["c1"], rounds["commune"], user, {"units_learning_unit": (0, 1)})
    aggregation.stats_rebuild(year=YEAR)
    assert _rollup()[tree["c1"].pk, "units_learning_unit"] == (1, 2)  # 0/1 reported + the school's registry 1/1
    _accepted(tree["s1"], rounds["organisation"], user, {"units_learning_unit": (0, 1)})
    aggregation.stats_rebuild(year=YEAR)
    assert _rollup()[tree["c1"].pk, "units_learning_unit"] == (0, 2)


def test_rebuild_twice_gives_the_same_table(generated):
    aggregation.stats_rebuild(year=YEAR)
    first = _all_rows()
    StatRollup.objects.filter(year=YEAR, unit=generated["nation"]).delete()  # as if a worker died half-way
    aggregation.stats_rebuild(year=YEAR)
    assert _all_rows() == first


def test_partial_rebuild_of_some_units_matches_the_full_rebuild(generated):
    aggregation.stats_rebuild(year=YEAR)
    full = _all_rows()
    province = generated["units"][1]
    StatRollup.objects.filter(year=YEAR, unit=province).update(numerator=0)
    aggregation.stats_rebuild(year=YEAR, unit_ids=[province.pk])
    assert _all_rows() == full


def _commune_without_report(generated):
    return next(u for u in generated["units"] if u.level == Level.COMMUNE and u.pk not in generated["figures"])


def test_incremental_rebuild_after_one_commune_accepts_equals_the_full_rebuild(generated, campaign):
    aggregation.stats_rebuild(year=YEAR)
    commune = _commune_without_report(generated)
    _accepted(commune, generated["rounds"]["commune"], generated["user"],
              {"households_learning_family": (3, 9), "citizens_learning_citizen": (5, 30)})
    ancestors = [int(seg) for seg in commune.path.strip("/").split("/")]
    aggregation.stats_rebuild(year=YEAR, unit_ids=ancestors)
    incremental = _all_rows()
    aggregation.stats_rebuild(year=YEAR)
    assert incremental == _all_rows()
    assert dict(_rollup())[commune.pk, "households_learning_family"] == (3, 9)


def test_refresh_of_a_commune_and_its_school_accepted_together_equals_the_full_rebuild(generated):
    aggregation.stats_rebuild(year=YEAR)
    commune = _commune_without_report(generated)
    school = next(u for u in generated["units"] if u.parent_id == commune.pk and u.kind == Kind.SCHOOL)
    Report.objects.filter(unit=school).delete()
    for unit, round_, figures in (
            (commune, "commune", {"units_learning_unit": (2, 2), "households_learning_family": (1, 1)}),
            (school, "organisation", {"officials_learning_citizen": (4, 40)})):
        _accepted(unit, generated["rounds"][round_], generated["user"], figures)
        services.stats_mark_dirty(unit=unit, year=YEAR)
    aggregation.stats_refresh_dirty(year=YEAR)
    incremental = _all_rows()
    assert not StatsDirty.objects.exists()
    aggregation.stats_rebuild(year=YEAR)
    assert incremental == _all_rows()


def test_a_new_recognition_reaches_the_nation_through_the_incremental_path(generated):
    aggregation.stats_rebuild(year=YEAR)
    hamlet = next(u for u in generated["units"] if u.level == Level.HAMLET
                  and u.parent_id not in generated["figures"])
    before = dict(_rollup()).get((generated["nation"].pk, "clans_learning_clan"), (0, 0))
    clan = Clan.objects.create(unit=hamlet, name="Dòng họ Mới")
    generated["registry"].recognise("clans_learning_clan", hamlet, clan=clan)
    aggregation.stats_rebuild(year=YEAR, unit_ids=[int(s) for s in hamlet.path.strip("/").split("/")])
    assert _rollup()[generated["nation"].pk, "clans_learning_clan"] == (before[0] + 1, before[1] + 1)


def test_reports_on_time_counts_expected_reports_per_subtree(generated):
    aggregation.stats_rebuild(year=YEAR)
    nation = StatRollup.objects.get(year=YEAR, unit=generated["nation"], indicator="reports_on_time")
    expected = 2 + 6 + 24 + 24  # provinces, districts, communes, schools
    on_time = Report.objects.filter(year=YEAR, on_time=True).count()
    assert (nation.numerator, nation.denominator) == (on_time, expected)


def test_target_comes_from_the_nearest_ancestor_and_sets_on_track(generated, campaign):
    nation, province = generated["nation"], generated["units"][1]
    Target.objects.create(indicator="households_learning_family", unit=nation, year=YEAR, percentage=1,
                          campaign=campaign)
    Target.objects.create(indicator="households_learning_family", unit=province, year=YEAR, percentage=99,
                          campaign=campaign)
    aggregation.stats_rebuild(year=YEAR)
    rows = {r.unit_id: r for r in StatRollup.objects.filter(year=YEAR, indicator="households_learning_family")}
    assert rows[nation.pk].target == 1 and rows[nation.pk].on_track is True
    assert rows[province.pk].target == 99 and rows[province.pk].on_track is False
    district = next(u for u in generated["units"] if u.parent_id == province.pk)
    assert rows[district.pk].target == 99


def test_acceptance_marks_ancestors_dirty_and_the_queued_refresh_updates_the_rollup(
        tree, rounds, people, django_capture_on_commit_callbacks):
    report = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])
    report = services.report_update(report=report, by=people["officer1"], version=report.version,
                                    figures=BASE_FIGURES)
    report = services.report_submit(report=report, by=people["officer1"])
    with django_capture_on_commit_callbacks(execute=True):
        services.report_accept(report=report, by=people["reviewer"])
    row = StatRollup.objects.get(unit=tree["p1"], year=YEAR, indicator="households_learning_family")
    assert (row.numerator, row.denominator) == (70, 100)
    assert not StatsDirty.objects.exists()


def test_recognised_subjects_of_a_revoked_recognition_do_not_count(db, campaign, tree):
    user = f.UserFactory(username="so.lieu")
    registry = Registry(user, tree["p1"])
    household = registry.household(tree["h2"], "R1", True, [])
    aggregation.stats_rebuild(year=YEAR)
    assert _rollup()[tree["c2"].pk, "households_learning_family"] == (1, 1)
    Recognition.objects.filter(household=household, subject_kind=SubjectKind.HOUSEHOLD).update(
        revoked_at=timezone.now())
    aggregation.stats_rebuild(year=YEAR)
    assert _rollup()[tree["c2"].pk, "households_learning_family"] == (0, 1)
