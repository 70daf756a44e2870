"""The uncached `/stats/` listing (issue 15): rows built by hand from `.values()` answer what StatSerializer
answers, the target's rule named per row without correlated probes, in a fixed number of statements."""

import pytest

from campaigns.models import Target
from reports import aggregation, selectors, services
from reports.api.serializers import StatSerializer

from .conftest import BASE_FIGURES, YEAR

STATS = "/api/v1/stats/"


def _accepted(report, people, figures):
    report = services.report_update(report=report, by=report.created_by, version=report.version, figures=figures)
    report = services.report_submit(report=report, by=report.created_by)
    return services.report_accept(report=report, by=people["reviewer"])


@pytest.fixture
def rollup(tree, rounds, people, campaign, settings):
    settings.REPORTS_STATS_CACHE_SECONDS = 0  # every answer computed, as in the listing measured
    for commune, officer in (("c1", "officer1"), ("c2", "officer2")):
        report = services.report_create(unit=tree[commune], year=YEAR, by=people[officer])
        _accepted(report, people, BASE_FIGURES)
    Target.objects.create(campaign=campaign, unit=tree["p1"], indicator="clans_learning_clan", year=YEAR,
                          percentage="55.50")
    Target.objects.create(campaign=campaign, unit=tree["c1"], indicator="clans_learning_clan", year=YEAR,
                          percentage="70")
    aggregation.stats_rebuild(year=YEAR)


def test_the_listing_answers_what_the_serializer_answers(api_client, tree, people, rollup):
    api_client.force_authenticate(people["viewer"])
    params = {"indicator": "clans_learning_clan", "unit": tree["p1"].pk, "year": YEAR, "level": "commune"}
    body = api_client.get(STATS, params).json()
    # The reference: the rows with target_basis named in SQL by the correlated probes the listing no longer uses.
    rows = list(selectors.stats_rows(people["viewer"], indicator="clans_learning_clan", unit=tree["p1"],
                                     year=YEAR, level="commune"))
    assert body["count"] == 2
    assert body["results"] == [dict(item) for item in StatSerializer(rows, many=True).data]
    by_unit = {r["unit"]["id"]: r for r in body["results"]}
    # c1 has its own target; c2 none, so it takes its province's (the nearest ancestor's).
    assert (by_unit[tree["c1"].pk]["target"], by_unit[tree["c1"].pk]["target_basis"]) == (70.0, "own")
    assert (by_unit[tree["c2"].pk]["target"], by_unit[tree["c2"].pk]["target_basis"]) == (55.5, "ancestor")
    assert by_unit[tree["c1"].pk]["percentage"] == 62.5 and by_unit[tree["c1"].pk]["on_track"] is False
    assert by_unit[tree["c1"].pk]["unit"] == {"id": tree["c1"].pk, "code": "99001", "name": "Xã Hòa Bình",
                                              "level": "commune"}


def test_the_province_row_names_its_own_target_and_rows_without_one_name_none(api_client, tree, people, rollup):
    api_client.force_authenticate(people["viewer"])
    own = api_client.get(STATS, {"indicator": "clans_learning_clan", "unit": tree["p1"].pk, "year": YEAR}).json()
    assert [(r["target"], r["target_basis"], r["basis"]) for r in own["results"]] == [(55.5, "own", "own")]
    none = api_client.get(STATS, {"indicator": "households_learning_family", "unit": tree["p1"].pk,
                                  "year": YEAR}).json()
    assert [(r["target"], r["target_basis"]) for r in none["results"]] == [(None, None)]


def test_the_listing_needs_a_fixed_number_of_statements(api_client, tree, people, rollup,
                                                        django_assert_max_num_queries):
    """The unit, the rows, and the three target queries only because rows have targets: no count (one page),
    and the number does not grow with the rows."""
    api_client.force_authenticate(people["viewer"])
    params = {"unit": tree["p1"].pk, "year": YEAR, "level": "commune"}
    api_client.get(STATS, params)  # the caller's scope cached
    with django_assert_max_num_queries(5) as captured:
        body = api_client.get(STATS, params).json()
    assert body["count"] == len(body["results"]) >= 2 * len(BASE_FIGURES)  # one page: every commune's figures
    assert not [q for q in captured.captured_queries if "EXISTS" in q["sql"].upper()]
