"""The reports, completeness and statistics API: contract shapes, scoping, refusals, query counts."""

import datetime

import pytest

from reports import aggregation, services
from reports.models import Report, ReportStatus, StatRollup
from tests import factories as f
from units.models import Succession

from .conftest import BASE_FIGURES, YEAR


@pytest.fixture
def draft(tree, rounds, people):
    return services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])


def _state(report):
    report.refresh_from_db()
    return report.status, report.version, sorted(report.figures.values_list("indicator", "numerator", "denominator"))


def test_officer_creates_a_report_through_the_api(api_client, tree, rounds, people):
    api_client.force_authenticate(people["officer1"])
    response = api_client.post("/api/v1/reports/", {"unit": tree["c1"].pk, "year": YEAR}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["version"] == 1 and body["unit"]["id"] == tree["c1"].pk
    assert body["deadline"] == rounds["commune"].deadline.isoformat()


def test_create_for_a_unit_outside_scope_is_404_and_creates_nothing(api_client, tree, rounds, people):
    api_client.force_authenticate(people["officer1"])
    response = api_client.post("/api/v1/reports/", {"unit": tree["c3"].pk, "year": YEAR}, format="json")
    assert response.status_code == 404 and response.json()["detail"]
    assert not Report.objects.exists()


def test_create_by_a_viewer_is_403_in_vietnamese(api_client, tree, rounds, people):
    api_client.force_authenticate(people["viewer"])
    response = api_client.post("/api/v1/reports/", {"unit": tree["c1"].pk, "year": YEAR}, format="json")
    assert response.status_code == 403 and "Chỉ cán bộ của đơn vị" in response.json()["detail"]
    assert not Report.objects.exists()


def test_list_is_scoped_and_filtered(api_client, tree, rounds, people, draft):
    other = services.report_create(unit=tree["c2"], year=YEAR, by=people["officer2"])
    api_client.force_authenticate(people["officer2"])
    ids = [r["id"] for r in api_client.get("/api/v1/reports/").json()["results"]]
    assert ids == [other.pk]
    assert api_client.get(f"/api/v1/reports/{draft.pk}/").status_code == 404
    api_client.force_authenticate(people["reviewer"])
    body = api_client.get("/api/v1/reports/", {"unit": tree["c1"].pk, "year": YEAR, "status": "draft"}).json()
    assert [r["id"] for r in body["results"]] == [draft.pk]


def test_list_query_count_does_not_grow_with_reports(api_client, tree, rounds, people, draft,
                                                     django_assert_max_num_queries):
    api_client.force_authenticate(people["reviewer"])
    with django_assert_max_num_queries(8):
        api_client.get("/api/v1/reports/")
    for _n in range(5):
        commune = f.commune(tree["p1"])
        services.report_create(unit=commune, year=YEAR, by=f.member(commune, "officer"))
    with django_assert_max_num_queries(8):
        assert api_client.get("/api/v1/reports/").json()["count"] == 6


def test_patch_with_the_current_version_saves(api_client, people, draft):
    api_client.force_authenticate(people["officer1"])
    response = api_client.patch(f"/api/v1/reports/{draft.pk}/", {"version": 1, "figures": BASE_FIGURES,
                                                                  "results": "Tốt"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["figures"]["clans_learning_clan"] == {"numerator": 5, "denominator": 8}


def test_patch_with_a_stale_version_is_409_and_changes_nothing(api_client, people, draft):
    api_client.force_authenticate(people["officer1"])
    api_client.patch(f"/api/v1/reports/{draft.pk}/", {"version": 1, "figures": BASE_FIGURES}, format="json")
    before = _state(draft)
    response = api_client.patch(f"/api/v1/reports/{draft.pk}/", {
        "version": 1, "figures": {"clans_learning_clan": {"numerator": 0, "denominator": 0}}}, format="json")
    assert response.status_code == 409 and "người khác cập nhật" in response.json()["detail"]
    assert _state(draft) == before


def test_patch_with_recognised_above_total_is_400_naming_the_field(api_client, people, draft):
    api_client.force_authenticate(people["officer1"])
    before = _state(draft)
    response = api_client.patch(f"/api/v1/reports/{draft.pk}/", {
        "version": 1, "figures": {"clans_learning_clan": {"numerator": 9, "denominator": 8}}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "Số đạt danh hiệu không được lớn hơn tổng số." in body["errors"]["figures.clans_learning_clan.numerator"][0]
    assert _state(draft) == before


def test_submit_return_accept_through_the_api(api_client, people, draft, django_capture_on_commit_callbacks):
    api_client.force_authenticate(people["officer1"])
    api_client.patch(f"/api/v1/reports/{draft.pk}/", {"version": 1, "figures": BASE_FIGURES}, format="json")
    assert api_client.post(f"/api/v1/reports/{draft.pk}/submit/").json()["status"] == "submitted"
    assert api_client.post(f"/api/v1/reports/{draft.pk}/submit/").status_code == 200  # idempotent

    refused = api_client.post(f"/api/v1/reports/{draft.pk}/accept/")
    assert refused.status_code == 403 and refused.json()["detail"]
    assert _state(draft)[0] == ReportStatus.SUBMITTED

    api_client.force_authenticate(people["reviewer"])
    returned = api_client.post(f"/api/v1/reports/{draft.pk}/return/",
                               {"comments": {"households_learning_family": "Kiểm tra lại tổng số hộ."}},
                               format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["review_comments"] == {"households_learning_family": "Kiểm tra lại tổng số hộ."}

    api_client.force_authenticate(people["officer1"])
    version = returned.json()["version"]
    api_client.patch(f"/api/v1/reports/{draft.pk}/", {"version": version, "figures": {
        "households_learning_family": {"numerator": 72, "denominator": 101}}}, format="json")
    api_client.post(f"/api/v1/reports/{draft.pk}/submit/")
    api_client.force_authenticate(people["reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api_client.post(f"/api/v1/reports/{draft.pk}/accept/")
    assert accepted.json()["status"] == "accepted"
    assert [t["to_status"] for t in accepted.json()["transitions"]] == [
        "draft", "submitted", "returned", "submitted", "accepted"]
    row = StatRollup.objects.get(unit=draft.unit.parent, year=YEAR, indicator="households_learning_family")
    assert (row.numerator, row.denominator) == (72, 101)


def test_completeness_counts_per_child_and_its_query_count_does_not_grow(
        api_client, tree, rounds, people, draft, django_assert_num_queries):
    services.report_update(report=draft, by=people["officer1"], version=1, figures=BASE_FIGURES)
    services.report_submit(report=draft, by=people["officer1"])
    api_client.force_authenticate(people["reviewer"])
    url = f"/api/v1/completeness/?unit={tree['p1'].pk}&year={YEAR}"
    body = api_client.get(url).json()
    rows = {r["unit"]["id"]: r for r in body["results"]}
    # c1: the commune and its school are expected; the commune's report is received on time.
    assert {k: rows[tree["c1"].pk][k] for k in ("expected", "received", "on_time", "accepted")} == {
        "expected": 2, "received": 1, "on_time": 1, "accepted": 0}
    assert rows[tree["c2"].pk]["expected"] == 2 and rows[tree["c2"].pk]["received"] == 0

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(url).status_code == 200
        return len(ctx)

    before = count_queries()
    for _n in range(6):
        commune = f.commune(tree["p1"])
        f.organisation(commune)
        f.hamlet(commune)
    with django_assert_num_queries(before):
        assert api_client.get(url).json()["count"] == 8


def test_completeness_of_a_unit_outside_scope_is_404(api_client, tree, rounds, people):
    api_client.force_authenticate(people["reviewer"])
    assert api_client.get(f"/api/v1/completeness/?unit={tree['p2'].pk}&year={YEAR}").status_code == 404
    assert api_client.get("/api/v1/completeness/?year=2026").status_code == 400


def _accept(report, people, figures):
    report = services.report_update(report=report, by=report.created_by, version=report.version, figures=figures)
    report = services.report_submit(report=report, by=report.created_by)
    return services.report_accept(report=report, by=people["reviewer"])


def test_stats_items_follow_the_contract(api_client, tree, rounds, people, draft):
    _accept(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    api_client.force_authenticate(people["viewer"])
    body = api_client.get("/api/v1/stats/", {"indicator": "clans_learning_clan", "unit": tree["p1"].pk,
                                             "year": YEAR}).json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item == {"unit": {"id": tree["p1"].pk, "code": "91", "name": "Tỉnh Thử Nghiệm", "level": "province"},
                    "year": YEAR, "indicator": "clans_learning_clan", "numerator": 5, "denominator": 8,
                    "percentage": 62.5, "target": None, "on_track": None, "basis": "own",
                    "target_basis": None}
    by_level = api_client.get("/api/v1/stats/", {"indicator": "clans_learning_clan", "unit": tree["p1"].pk,
                                                 "year": YEAR, "level": "commune"}).json()
    assert [r["unit"]["id"] for r in by_level["results"]] == [tree["c1"].pk]


def test_stats_are_scoped_and_the_query_count_does_not_grow(api_client, tree, rounds, people, draft,
                                                            django_assert_max_num_queries):
    _accept(draft, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    api_client.force_authenticate(people["other_reviewer"])
    assert api_client.get("/api/v1/stats/", {"unit": tree["p1"].pk}).status_code == 404
    # The other province sees its own registry facts (one commune, none recognised), never the first's.
    seen = {r["unit"]["id"] for r in api_client.get("/api/v1/stats/").json()["results"]}
    assert seen == {tree["p2"].pk, tree["c3"].pk}
    api_client.force_authenticate(people["reviewer"])
    with django_assert_max_num_queries(5):
        first = api_client.get("/api/v1/stats/", {"year": YEAR}).json()["count"]
    for _n in range(5):
        commune = f.commune(tree["p1"])
        report = services.report_create(unit=commune, year=YEAR, by=f.member(commune, "officer"))
        _accept(report, people, BASE_FIGURES)
    aggregation.stats_rebuild(year=YEAR)
    with django_assert_max_num_queries(5):
        assert api_client.get("/api/v1/stats/", {"year": YEAR}).json()["count"] > first
    assert api_client.get("/api/v1/stats/", {"indicator": "nonsense"}).status_code == 400


def test_trend_of_a_new_commune_sums_its_primary_predecessors_and_flags_partial(api_client, tree, people):
    new = f.commune(tree["p1"], valid_from=datetime.date(2025, 7, 1))
    old_a, old_b, old_split = (f.commune(tree["p1"], valid_to=datetime.date(2025, 6, 30)) for _i in range(3))
    other_new = f.commune(tree["p1"], valid_from=datetime.date(2025, 7, 1))
    day = datetime.date(2025, 7, 1)
    Succession.objects.create(predecessor=old_a, successor=new, kind="merge", date=day)
    Succession.objects.create(predecessor=old_b, successor=new, kind="merge", date=day)
    Succession.objects.create(predecessor=old_split, successor=new, kind="split", date=day, partial=True, primary=True)
    Succession.objects.create(predecessor=old_split, successor=other_new, kind="split", date=day, partial=True,
                              primary=False)
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    for unit, n, d in ((old_a, 10, 20), (old_b, 5, 10), (old_split, 1, 10)):
        StatRollup.objects.create(unit=unit, year=2024, indicator="clans_learning_clan", numerator=n,
                                  denominator=d, computed_at=now)
    StatRollup.objects.create(unit=new, year=2025, indicator="clans_learning_clan", numerator=30, denominator=40,
                              computed_at=now)
    api_client.force_authenticate(people["reviewer"])
    rows = api_client.get("/api/v1/stats/trend/", {"indicator": "clans_learning_clan", "unit": new.pk,
                                                   "from": 2024, "to": 2026}).json()
    assert rows[0] == {"year": 2024, "numerator": 16, "denominator": 40, "percentage": 40.0, "target": None,
                       "on_track": None, "partial": True, "source": "predecessors",
                       "basis": "predecessors"}
    assert rows[1]["numerator"] == 30 and rows[1]["source"] == "own" and rows[1]["partial"] is False
    assert rows[2]["numerator"] is None
    other = api_client.get("/api/v1/stats/trend/", {"indicator": "clans_learning_clan", "unit": other_new.pk,
                                                    "from": 2024, "to": 2024}).json()
    assert other[0]["numerator"] is None  # a split predecessor counts only toward its primary successor


def test_schema_of_the_reports_endpoints_generates_without_warnings():
    """Generated for the reports, completeness and stats paths alone: other apps' warnings are theirs."""
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema
    from rest_framework.routers import DefaultRouter

    from reports.api import views

    router = DefaultRouter()
    router.register("reports", views.ReportViewSet, basename="report")
    router.register("completeness", views.CompletenessViewSet, basename="completeness")
    router.register("stats", views.StatViewSet, basename="stat")
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    assert {"/api/v1/reports/{id}/return/", "/api/v1/completeness/", "/api/v1/stats/trend/"} <= set(schema["paths"])


def test_attachment_upload_through_the_api_refuses_a_wrong_type(api_client, people, draft, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    api_client.force_authenticate(people["officer1"])
    bad = api_client.post(f"/api/v1/reports/{draft.pk}/attachments/",
                          {"file": SimpleUploadedFile("macro.xlsm", b"PK..")}, format="multipart")
    assert bad.status_code == 400 and "chỉ nhận các định dạng" in bad.json()["detail"]
    assert not draft.attachments.exists() and _state(draft)[1] == 1
    good = api_client.post(f"/api/v1/reports/{draft.pk}/attachments/",
                           {"file": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4")}, format="multipart")
    assert good.status_code == 201 and good.json()["name"] == "bien-ban.pdf"


def test_completeness_as_csv(api_client, tree, rounds, people):
    api_client.force_authenticate(people["reviewer"])
    response = api_client.get(f"/api/v1/completeness/?unit={tree['p1'].pk}&year={YEAR}&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header == "unit.id,unit.code,unit.name,unit.level,expected,received,on_time,accepted"
