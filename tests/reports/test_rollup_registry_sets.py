"""The registry facts of a full rebuild (recognitions in force gathered once into sets, reports/facts.py
_registry_sets_sql) give exactly the rows of the titles' own definition (titles.selectors.recognition_facts) and
of the per-row probes the incremental path uses, including the edges: revoked, granted another year but still in
force, expired, workers without a household, officials of an unrecognised unit, units off the year's tree."""

import datetime

from django.db import connection
from django.utils import timezone

from reports import aggregation, facts
from reports.models import StatRollup
from tests import factories as f
from titles.models import Recognition
from titles.selectors import REGISTRY_INDICATORS, recognition_facts
from units.models import Citizen, Household, Kind, Level

from .conftest import YEAR
from .test_aggregation import Registry, generated  # noqa: F401 - the fixture, shared with the rollup's tests


def _rows(sql_params) -> dict:
    sql, params = sql_params
    with connection.cursor() as cursor:
        cursor.execute(facts.with_depths() + sql, params)
        rows = cursor.fetchall()
    found: dict = {}
    for unit_id, indicator, numerator, denominator in rows:
        assert (unit_id, indicator) not in found, f"two rows for {unit_id}, {indicator}"
        found[unit_id, indicator] = (int(numerator), int(denominator))
    return found


def _titles_view(year: int) -> dict:
    return {(r["unit_id"], r["indicator"]): (r["numerator"], r["denominator"]) for r in recognition_facts(year)}


def _assert_same_everywhere(year: int, *roots) -> dict:
    """Sets (the whole tree), probes (a scope covering the whole tree), the subtree form (a province of the
    parallel rebuild, a draft's prefill) and the titles' view agree, row for row."""
    scope = facts.Scope(prefixes=tuple(root.path for root in roots))
    sets = _rows(facts.registry_facts_sql(year, facts.EVERYTHING))
    probes = _rows(facts.registry_facts_sql(year, scope))
    subtree = _rows(facts.registry_facts_sql(year, scope, subtree=True))
    expected = _titles_view(year)
    assert sets == expected
    assert probes == expected
    assert subtree == expected
    return sets


def test_sets_give_the_titles_rows_on_a_generated_tree(generated):  # noqa: F811 - the imported fixture
    rows = _assert_same_everywhere(YEAR, generated["nation"])
    assert {indicator for _unit, indicator in rows} >= set(REGISTRY_INDICATORS)


def test_sets_follow_every_rule_of_a_recognition_in_force(db, campaign, tree):
    user = f.UserFactory(username="so.lieu.tap")
    registry = Registry(user, tree["p1"])
    hamlet, other = tree["h1"], tree["h2"]
    revoked = registry.household(hamlet, "R1", True, [(True, True)])
    Recognition.objects.filter(household=revoked).update(revoked_at=timezone.now())
    # Granted for last year, in force until 31/03 of the year after: counts this year too.
    spanning = Household.objects.create(unit=hamlet, code="S1", head_name="Chủ hộ S1")
    Recognition.objects.create(
        title_type=registry.titles["households_learning_family"],
        decision=registry.decisions["households_learning_family"], subject_kind="household", unit=hamlet,
        household=spanning, year=YEAR - 1, valid_from=datetime.date(YEAR - 1, 4, 1),
        valid_to=datetime.date(YEAR + 1, 3, 31))
    # Granted two years ago and expired: does not count.
    expired = Household.objects.create(unit=hamlet, code="E1", head_name="Chủ hộ E1")
    Recognition.objects.create(
        title_type=registry.titles["households_learning_family"],
        decision=registry.decisions["households_learning_family"], subject_kind="household", unit=hamlet,
        household=expired, year=YEAR - 2, valid_from=datetime.date(YEAR - 2, 4, 1),
        valid_to=datetime.date(YEAR - 1, 3, 31))
    # Workers: in a recognised family (counted), in an unrecognised one (not), without a household in a hamlet
    # that is a recognised learning community (counted there), without a workplace (never).
    registry.household(hamlet, "W1", True, [(True, True), (True, False), (False, True)])
    registry.household(hamlet, "W2", False, [(True, True)])
    registry.citizen(other, "lone-worker", True, True)
    registry.citizen(other, "lone-idle", False, True)
    registry.recognise("hamlets_learning_community", other)
    # Officials: staff of a recognised school count, staff of an unrecognised People's Committee do not.
    school = f.organisation(tree["c1"])
    committee = f.organisation(tree["c1"], kind=Kind.PEOPLES_COMMITTEE)
    registry.citizen(school, "gv-1", True, True)
    registry.citizen(school, "gv-2", True, False)
    registry.citizen(committee, "cb-1", True, True)
    registry.recognise("units_learning_unit", school)

    rows = _assert_same_everywhere(YEAR, tree["p1"], tree["p2"])

    assert rows[hamlet.pk, "households_learning_family"] == (2, 5)  # S1 and W1 of R1, S1, E1, W1, W2
    assert rows[hamlet.pk, "workers_learning_citizen"] == (1, 2)  # W1's two workers, one recognised
    assert rows[other.pk, "workers_learning_citizen"] == (1, 1)
    assert rows[school.pk, "officials_learning_citizen"] == (1, 2)
    assert (committee.pk, "officials_learning_citizen") not in rows
    assert rows[committee.pk, "citizens_learning_citizen"] == (1, 1)


def test_units_off_the_years_tree_are_dropped_before_counting(db, campaign, tree):
    """A hamlet under a commune created after the year (the reform's new communes, seen from 2024) counts
    neither its households nor its citizens that year; it does the year its commune exists."""
    user = f.UserFactory(username="so.lieu.cay")
    registry = Registry(user, tree["p1"])
    new_commune = f.commune(tree["p1"], valid_from=datetime.date(YEAR, 7, 1))
    hamlet = f.hamlet(new_commune)
    registry.household(hamlet, "N1", True, [(True, True)])
    registry.household(tree["h1"], "O1", True, [(True, True)])

    before = _assert_same_everywhere(YEAR - 1, tree["p1"], tree["p2"])
    during = _assert_same_everywhere(YEAR, tree["p1"], tree["p2"])

    assert not {unit for unit, _indicator in before} & {hamlet.pk}
    assert before[tree["h1"].pk, "households_learning_family"] == (0, 1)  # recognised for YEAR only
    assert during[hamlet.pk, "households_learning_family"] == (1, 1)
    assert Citizen.objects.filter(unit=hamlet).count() == 1


def test_full_rebuild_from_sets_equals_the_incremental_rows_of_every_commune(generated):  # noqa: F811
    """The full rebuild reads the sets, the incremental path the probes: rebuilding every commune one by one
    leaves the full rebuild's table unchanged."""
    aggregation.stats_rebuild(year=YEAR)
    full = sorted(StatRollup.objects.filter(year=YEAR).values_list("unit_id", "indicator", "numerator",
                                                                    "denominator"))
    for commune in [u for u in generated["units"] if u.level == Level.COMMUNE]:
        ancestors = [int(seg) for seg in commune.path.strip("/").split("/")]
        aggregation.stats_rebuild(year=YEAR, unit_ids=ancestors)
    assert sorted(StatRollup.objects.filter(year=YEAR).values_list("unit_id", "indicator", "numerator",
                                                                    "denominator")) == full
