"""No 5xx on any input (issue 11, points 4 and 6): malformed numbers, NUL bytes and ids that name nothing are
one Vietnamese 400 naming the field (or a 404 for an id in a URL), never a 500, and change nothing; an object
outside the caller's scope and one that does not exist get the same 404.

Each case here was a 500 (or a 403 that confirmed a foreign draft) before core.params, the input guard in
core.middleware and core.api.mixins.ScopedObjectMixin.
"""

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from campaigns.models import Plan
from reports import services as report_services
from reports.models import Report
from tests import factories as f
from tests.campaigns.conftest import snapshot
from tests.reports.conftest import YEAR, make_round
from units.models import Level
from units.roles import Role

pytestmark = pytest.mark.django_db

NOT_AN_INTEGER = "Tham số “%s” phải là số nguyên."


def _page_says(response, message: str) -> bool:
    return message in response.content.decode()


def _page_body(response, path: str) -> str:
    """The page without what differs by request only: CSRF tokens (masked afresh every time) and the page's
    own address (the language switcher returns to it)."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return body.replace(path, "<path>")


# --- pages: query strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "field"), [
    ("reports:dashboard", "year"),
    ("reports:completeness", "year"),
    ("reports:index", "year"),
    ("titles:recognitions", "year"),
])
@pytest.mark.parametrize("raw", ["²", "①"])
def test_a_superscript_year_on_a_page_is_a_vietnamese_400(client, people, url, field, raw):
    client.force_login(people["p1_officer"])
    response = client.get(reverse(url), {field: raw})
    assert response.status_code == 400
    assert _page_says(response, NOT_AN_INTEGER % field)


@pytest.mark.parametrize(("url", "kwargs", "field"), [
    ("reports:completeness", {}, "unit"),
    ("reports:dashboard", {}, "unit"),
    ("campaigns:plan_list", {}, "unit"),
    ("campaigns:plan_new", {}, "unit"),
    ("titles:registry", {"kind": "households"}, "hamlet"),
])
def test_a_superscript_id_on_a_page_is_a_vietnamese_400(client, people, url, kwargs, field):
    client.force_login(people["p1_officer"])
    response = client.get(reverse(url, kwargs=kwargs), {field: "²"})
    assert response.status_code == 400
    assert _page_says(response, NOT_AN_INTEGER % field)


def test_a_year_out_of_range_on_a_page_is_a_vietnamese_400(client, people):
    client.force_login(people["p1_officer"])
    response = client.get(reverse("reports:dashboard"), {"year": "10000"})
    assert response.status_code == 400
    assert _page_says(response, "Tham số “year” phải nằm trong khoảng từ 1900 đến 2100.")


@pytest.mark.parametrize("url", ["campaigns:plan_list", "reports:index", "titles:recognitions"])
def test_a_nul_byte_in_a_query_is_a_vietnamese_400(client, people, url):
    # PostgreSQL cannot hold NUL in a text value: the search query failed with a 500 there.
    client.force_login(people["p1_officer"])
    response = client.get(reverse(url) + "?q=gia%00dinh")
    assert response.status_code == 400
    assert _page_says(response, "Tham số “q” chứa ký tự không hợp lệ.")


# --- pages: form fields -------------------------------------------------------------------------------------


def test_a_superscript_revision_when_issuing_a_plan_is_a_400_and_changes_nothing(client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"])
    before = snapshot(plan)
    client.force_login(people["p1_officer"])
    response = client.post(reverse("campaigns:plan_issue", args=[plan.pk]), {"revision": "²"})
    assert response.status_code == 400
    assert _page_says(response, NOT_AN_INTEGER % "revision")
    assert snapshot(plan) == before


def test_a_nul_byte_in_a_form_is_a_400_and_creates_nothing(client, tree, people):
    client.force_login(people["p1_officer"])
    response = client.post(reverse("campaigns:plan_new"), {"unit": tree["p1"].pk, "title": "Kế\x00hoạch"})
    assert response.status_code == 400
    assert _page_says(response, "Tham số “title” chứa ký tự không hợp lệ.")
    assert not Plan.objects.exists()


def test_a_superscript_nomination_id_on_the_decision_page_is_a_400(client, people):
    client.force_login(people["p1_officer"])
    response = client.get(reverse("awards:decision_create"), {"n": ["1", "²"]})
    assert response.status_code == 400
    assert _page_says(response, NOT_AN_INTEGER % "n")


@pytest.fixture
def report(tree, campaign):
    make_round(campaign, tree["p1"], Level.COMMUNE, indicators=["households_learning_family"])
    officer = f.member(tree["c1"], Role.OFFICER, username="xa.nhap")
    return report_services.report_create(unit=tree["c1"], year=YEAR, by=officer), officer


def _figures(report):
    report.refresh_from_db()
    return report.version, list(report.figures.values_list("indicator", "numerator", "denominator"))


def test_superscript_figures_in_the_report_form_are_a_field_error_not_a_500(client, report):
    report, officer = report
    before = _figures(report)
    client.force_login(officer)
    response = client.post(reverse("reports:detail", args=[report.pk]), {
        "version": report.version, "fig-households_learning_family-numerator": "²",
        "fig-households_learning_family-denominator": "①"})
    assert response.status_code == 400
    assert _page_says(response, "Số liệu phải là số nguyên không âm.")
    assert _figures(report) == before


def test_a_superscript_version_on_autosave_is_a_json_400_and_changes_nothing(client, report):
    report, officer = report
    before = _figures(report)
    client.force_login(officer)
    response = client.post(reverse("reports:autosave", args=[report.pk]), {
        "version": "²", "fig-households_learning_family-numerator": "1",
        "fig-households_learning_family-denominator": "2"})
    assert response.status_code == 400
    assert response.json()["detail"] == NOT_AN_INTEGER % "version"
    assert _figures(report) == before


# --- pages: one answer for "out of your scope" and "does not exist" ---------------------------------------


def test_a_foreign_draft_plan_and_a_missing_plan_get_the_same_404(client, tree, people, make_plan):
    draft = make_plan(tree["c1"], people["c1_officer"], number="7/KH-UBND")
    client.force_login(people["c2_officer"])
    foreign_path = reverse("campaigns:plan_detail", args=[draft.pk])
    missing_path = reverse("campaigns:plan_detail", args=[draft.pk + 1000])
    foreign, missing = client.get(foreign_path), client.get(missing_path)
    assert foreign.status_code == missing.status_code == 404
    assert _page_body(foreign, foreign_path) == _page_body(missing, missing_path)
    huge = client.get(f"/plans/{'9' * 25}/")  # the int converter takes it; the database cannot hold it
    assert huge.status_code == 404


# --- API ----------------------------------------------------------------------------------------------------


@pytest.fixture
def api(api_client, people):
    token = Token.objects.create(user=people["p1_officer"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


@pytest.mark.parametrize("path", ["/api/v1/reports/abc/", "/api/v1/reports/1.5/", f"/api/v1/reports/{'9' * 30}/",
                                  "/api/v1/plans/abc/", "/api/v1/units/true/", "/api/v1/recognitions/²/"])
def test_an_id_that_names_nothing_is_a_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Không tìm thấy")


def test_a_foreign_report_a_missing_one_and_a_malformed_id_get_the_same_404(api_client, people, report):
    report, _officer = report
    api_client.force_authenticate(people["p2_officer"])  # another province
    answers = [api_client.get(path) for path in (
        f"/api/v1/reports/{report.pk}/", f"/api/v1/reports/{report.pk + 1000}/", "/api/v1/reports/abc/")]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert [a.json() for a in answers] == [{"detail": "Không tìm thấy báo cáo hoặc bạn không có quyền xem."}] * 3


@pytest.mark.parametrize("year", ["0", "10000", "²", "1e300"])
def test_a_year_that_is_no_year_on_decisions_is_a_400_naming_it(api, year):
    response = api.get("/api/v1/decisions/", {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/stats/", {"year": "²"}, "year"),
    ("/api/v1/stats/", {"unit": "①"}, "unit"),
    ("/api/v1/completeness/", {"unit": "²", "year": "2025"}, "unit"),
    ("/api/v1/stats/trend/", {"unit": "1", "from": "²", "to": "2025", "indicator": "households_learning_family"},
     "from"),
])
def test_a_superscript_number_in_an_api_query_is_a_400_naming_the_field(api, path, params, field):
    response = api.get(path, params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == NOT_AN_INTEGER % field and body["errors"] == {field: [NOT_AN_INTEGER % field]}


@pytest.mark.parametrize("params", [{"unit": "1e308"}, {"parent": "-1.7976931348623157e+308"}, {"year": "1e300"}])
def test_a_huge_float_in_a_list_filter_is_a_400_not_an_overflow(api, params):
    response = api.get("/api/v1/plans/" if "year" not in params else "/api/v1/targets/", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)


def test_superscript_json_figures_are_a_400_and_change_nothing(api_client, report):
    report, officer = report
    before = _figures(report)
    api_client.force_authenticate(officer)
    response = api_client.patch(f"/api/v1/reports/{report.pk}/", {
        "version": report.version, "figures": {"households_learning_family": {"numerator": "²", "denominator": "①"}}},
        format="json")
    assert response.status_code == 400
    assert "Số liệu phải là số nguyên không âm." in str(response.json())
    assert _figures(report) == before


def test_a_number_as_username_on_the_token_endpoint_is_a_400(api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": 22478943, "password": 5}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Cần nhập tên đăng nhập và mật khẩu."


def test_an_api_url_no_route_matches_answers_json_in_vietnamese(api):
    response = api.get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy địa chỉ này trong API."}


def test_a_nul_byte_in_an_api_query_is_a_json_400(api):
    response = api.get("/api/v1/units/?q=a%00b")
    assert response.status_code == 400
    assert response.json()["detail"] == "Tham số “q” chứa ký tự không hợp lệ."
    assert Report.objects.count() == 0
