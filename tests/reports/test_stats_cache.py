"""Cached statistics answers and cached scopes: faster, never staler than the rollups, never wider than the scope."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from reports import aggregation, services
from reports.models import StatRollup
from tests import factories as f
from units.models import Membership, Succession
from units.roles import Role

from .conftest import BASE_FIGURES, YEAR

STATS = "/api/v1/stats/"


@pytest.fixture
def draft(tree, rounds, people):
    return services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])


def _accepted(report, people, figures):
    report = services.report_update(report=report, by=report.created_by, version=report.version, figures=figures)
    report = services.report_submit(report=report, by=report.created_by)
    return services.report_accept(report=report, by=people["reviewer"])


def _token_client(api_client, user):
    """Token authentication loads a fresh user object per request, as real API clients get."""
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api_client


def _get(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    return response, [q["sql"] for q in ctx.captured_queries]


def _touching(sqls, table):
    return [s for s in sqls if f'"{table}"' in s]


def test_a_repeated_stats_request_is_answered_without_reading_rollups_or_memberships(api_client, tree, rounds,
                                                                                    people, draft):
    _accepted(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    client = _token_client(api_client, people["viewer"])
    params = {"indicator": "clans_learning_clan", "unit": tree["p1"].pk, "year": YEAR}
    first, first_sql = _get(client, STATS, params)
    again, again_sql = _get(client, STATS, params)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and first.json()["results"][0]["numerator"] == 5
    assert _touching(first_sql, "reports_statrollup") and _touching(first_sql, "units_membership")
    assert not _touching(again_sql, "reports_statrollup")
    assert not _touching(again_sql, "units_membership")
    assert len(again_sql) == 1  # the token


def test_a_rebuild_shows_new_figures_on_the_next_request(api_client, tree, rounds, people, draft):
    client = _token_client(api_client, people["viewer"])
    params = {"indicator": "clans_learning_clan", "unit": tree["p1"].pk, "year": YEAR}
    assert client.get(STATS, params).json()["count"] == 0  # nothing accepted yet: an empty answer, now cached
    _accepted(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    body = client.get(STATS, params).json()
    assert body["count"] == 1 and body["results"][0]["numerator"] == 5
    trend = client.get(f"{STATS}trend/", {"indicator": "clans_learning_clan", "unit": tree["p1"].pk,
                                          "from": YEAR, "to": YEAR}).json()
    assert trend[0]["numerator"] == 5
    StatRollup.objects.filter(unit=tree["p1"], year=YEAR, indicator="clans_learning_clan").update(numerator=6)
    aggregation.stats_rebuild(year=YEAR)  # a rebuild rewrites the rows from the facts and drops cached answers
    assert client.get(STATS, params).json()["results"][0]["numerator"] == 5


def test_a_cached_answer_is_never_served_outside_the_callers_scope(api_client, tree, rounds, people, draft):
    _accepted(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    params = {"indicator": "clans_learning_clan", "unit": tree["p1"].pk, "year": YEAR}
    assert _token_client(api_client, people["viewer"]).get(STATS, params).status_code == 200
    outsider = _token_client(api_client, people["other_reviewer"]).get(STATS, params)
    assert outsider.status_code == 404
    assert outsider.json()["detail"] == "Không tìm thấy đơn vị hoặc bạn không có quyền xem."
    # Without a unit, each caller gets the rows of their own subtree, although the query strings are equal.
    mine = {r["unit"]["id"] for r in _token_client(api_client, people["viewer"]).get(STATS).json()["results"]}
    theirs = {r["unit"]["id"] for r in
              _token_client(api_client, people["other_reviewer"]).get(STATS).json()["results"]}
    assert tree["p1"].pk in mine and tree["p2"].pk not in mine
    assert tree["p2"].pk in theirs and tree["p1"].pk not in theirs


def test_a_removed_membership_closes_the_scope_on_the_next_request(api_client, tree, rounds, people, draft,
                                                                   django_capture_on_commit_callbacks):
    _accepted(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    client = _token_client(api_client, people["viewer"])
    params = {"indicator": "clans_learning_clan", "unit": tree["p1"].pk, "year": YEAR}
    assert client.get(STATS, params).status_code == 200
    assert client.get(f"/api/v1/units/{tree['c1'].pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the scope cache is dropped at commit
        Membership.objects.filter(user=people["viewer"]).delete()
    refused = client.get(STATS, params)
    assert refused.status_code == 404
    assert refused.json()["detail"] == "Không tìm thấy đơn vị hoặc bạn không có quyền xem."
    assert client.get(STATS).json()["count"] == 0
    assert client.get(f"/api/v1/units/{tree['c1'].pk}/").status_code == 404
    # And a new membership opens it on the next request.
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.create(user=people["viewer"], unit=tree["p1"], role=Role.VIEWER)
    assert client.get(STATS, params).status_code == 200


def test_a_new_succession_widens_what_an_officer_reads_at_once(api_client, tree, people,
                                                               django_capture_on_commit_callbacks):
    new = f.commune(tree["p1"])
    old = f.commune(tree["p2"])
    officer = f.member(new, Role.OFFICER)
    client = _token_client(api_client, officer)
    assert client.get(f"/api/v1/units/{old.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):  # the scope cache is dropped at commit
        Succession.objects.create(predecessor=old, successor=new, kind="merge", date=datetime.date(2025, 7, 1))
    assert client.get(f"/api/v1/units/{old.pk}/").status_code == 200


def test_the_cache_can_be_switched_off(api_client, tree, rounds, people, draft, settings):
    settings.REPORTS_STATS_CACHE_SECONDS = 0
    _accepted(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    client = _token_client(api_client, people["viewer"])
    client.get(STATS, {"year": YEAR})
    _response, sqls = _get(client, STATS, {"year": YEAR})
    assert _touching(sqls, "reports_statrollup")


def test_a_first_page_that_is_not_full_needs_no_count_query(api_client, tree, rounds, people, draft):
    _accepted(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    client = _token_client(api_client, people["viewer"])
    everything = client.get(STATS, {"year": YEAR}).json()
    total = everything["count"]
    assert total == len(everything["results"]) > 2 and everything["next"] is None
    _response, sqls = _get(client, STATS, {"year": YEAR, "page_size": total + 1})
    assert not [s for s in sqls if "COUNT(*)" in s]
    # A full first page counts, and links the next page; the pages together hold every row once.
    first = client.get(STATS, {"year": YEAR, "page_size": 2}).json()
    assert first["count"] == total and first["next"] and first["previous"] is None and len(first["results"]) == 2
    seen = [(r["unit"]["id"], r["indicator"]) for r in first["results"]]
    page = 2
    while len(seen) < total:
        body = client.get(STATS, {"year": YEAR, "page_size": 2, "page": page}).json()
        assert body["count"] == total
        seen += [(r["unit"]["id"], r["indicator"]) for r in body["results"]]
        page += 1
    assert len(set(seen)) == total == len(seen)
    assert client.get(STATS, {"year": YEAR, "page_size": 2, "page": page + 5}).status_code == 404
