"""Issue 14's "done means", end to end: definitions made through the REST API only, then the form in a real browser.

The national administrator defines, through /api/v1/ only, two data elements broken down by sex (people attending
classes at the community learning centre, and those who completed them), an indicator over them (completion
rate), a new version of the commune yearly form with a section for them and a narrative "causes", a blocking rule
(completed ≤ attending) and a warning (at least half complete), and publishes it. A second commune reports through
the API. The first commune's officer then opens the report in Chromium (the page's script runs under the portal's
CSP), types the breakdown and sees its total, is refused by the blocking rule with its message (nothing sent),
corrects and submits (the failing warning does not block); the province's reviewer sees the values and accepts.
After the debounced rollup, `/api/v1/stats/?indicator=<new>&by=sex&level=commune` gives rows that add up to the
province's, and a built-in slug answers as before. Axe runs on the officer's form with its refusal shown and on the
reviewer's view with its warning, on desktop and at 375 px, and neither scrolls sideways on the phone.
"""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect
from rest_framework.test import APIClient

from reports.models import Report, ReportStatus, ReportValue
from tests import factories as f
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.test_accessibility import PHONE, axe_violations, structure_problems
from tests.browser.test_report_journey import fill_figure, sign_in, sign_out
from tests.conftest import PASSWORD
from tests.reports.conftest import BASE_FIGURES, COMMUNE_INDICATORS, make_round, today
from units.models import Level
from units.roles import Role

pytestmark = pytest.mark.browser

OUT = Path("/tmp/g14")
SLUG = "centre_course_completion"
BLOCKING_MESSAGE = "Số người hoàn thành khóa học không được lớn hơn số người tham gia lớp học."
WARNING_MESSAGE = "Số người hoàn thành khóa học thấp hơn một nửa số người tham gia: đề nghị kiểm tra lại."


def _token(username: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def _call(client: APIClient, method: str, url: str, payload: dict | None = None) -> dict:
    response = getattr(client, method)(url, payload or {}, format="json")
    assert response.status_code in (200, 201), (method, url, response.status_code, response.content.decode())
    return response.json()


def define_through_the_api(admin: APIClient) -> dict:
    """Everything the issue names, as an administrator would send it (no model, no service called by the test)."""
    for code, name in (("centre_learners", "Số người tham gia lớp học tại trung tâm học tập cộng đồng"),
                       ("centre_completers", "Số người hoàn thành khóa học tại trung tâm học tập cộng đồng")):
        _call(admin, "post", "/api/v1/data-elements/", {
            "code": code, "name": name, "value_type": "integer", "aggregation": "sum", "category": "sex",
            "unit_of_measure": "người"})
    _call(admin, "post", "/api/v1/indicators/", {
        "slug": SLUG, "name": "Tỷ lệ người hoàn thành khóa học tại trung tâm học tập cộng đồng",
        "numerator": "#{centre_completers}", "numerator_label": "Số người hoàn thành khóa học",
        "denominator": "#{centre_learners}", "denominator_label": "Số người tham gia lớp học", "decimals": 2})
    version = _call(admin, "post", "/api/v1/report-forms/yearly_commune/versions/",
                    {"notes": "Thêm lớp học tại trung tâm học tập cộng đồng, theo giới tính."})
    base = f"/api/v1/report-form-versions/{version['id']}"
    # Order 1, after the built-in figures (same order, created later) and before the narrative (order 2).
    _call(admin, "post", f"{base}/sections/", {"code": "centre_classes", "kind": "figures", "order": 1,
                                               "title": "Lớp học tại trung tâm học tập cộng đồng",
                                               "help_text": "Tính cả lớp chuyên đề và lớp xóa mù chữ trong năm."})
    _call(admin, "post", f"{base}/fields/", {"section": "centre_classes", "element": "centre_learners",
                                             "help_text": "Mỗi người tính một lần dù học nhiều lớp."})
    _call(admin, "post", f"{base}/fields/", {"section": "centre_classes", "element": "centre_completers"})
    _call(admin, "post", f"{base}/fields/", {"section": "narrative", "narrative_code": "causes",
                                             "label": "Nguyên nhân của hạn chế", "required": False})
    _call(admin, "post", f"{base}/rules/", {
        "code": "completers_le_learners", "left": "#{centre_completers}", "operator": "<=",
        "right": "#{centre_learners}", "message": BLOCKING_MESSAGE, "severity": "blocking"})
    _call(admin, "post", f"{base}/rules/", {
        "code": "half_complete", "left": "#{centre_completers} * 2", "operator": ">=",
        "right": "#{centre_learners}", "message": WARNING_MESSAGE, "severity": "warning"})
    _call(admin, "post", f"{base}/publish/")
    return version


@pytest.fixture
def forms(transactional_db, tree):
    from campaigns.models import Campaign

    cache.clear()
    year = today().year
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    make_round(campaign, tree["p1"], Level.COMMUNE, year=year, indicators=COMMUNE_INDICATORS)
    f.UserFactory(username="bo.quantri", full_name="Quản trị cấp bộ", is_superuser=True, is_staff=True)
    return {
        "year": year,
        "officer": f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh", full_name="Phạm Thị Hòa"),
        "officer2": f.member(tree["c2"], Role.OFFICER, username="canbo.dongha", full_name="Lê Văn Hà"),
        "reviewer": f.member(tree["p1"], Role.REVIEWER, username="sogd.duyet", full_name="Trần Thị Duyệt"),
    }


def report_through_the_api(tree, year: int) -> None:
    """The second commune sends its values through the API and the reviewer accepts them there."""
    officer = _token("canbo.dongha")
    report = _call(officer, "post", "/api/v1/reports/", {"unit": tree["c2"].pk, "year": year})
    figures = {**BASE_FIGURES, "households_learning_family": {"numerator": 20, "denominator": 30}}
    report = _call(officer, "patch", f"/api/v1/reports/{report['id']}/", {
        "version": report["version"], "figures": figures, "values": {
        "centre_learners.male": 12, "centre_learners.female": 18,
        "centre_completers.male": 9, "centre_completers.female": 15}})
    _call(officer, "post", f"/api/v1/reports/{report['id']}/submit/")
    _call(_token("sogd.duyet"), "post", f"/api/v1/reports/{report['id']}/accept/")


def fill_breakdown(page, code: str, male: int, female: int) -> None:
    page.locator(f"#val-{code}-male").fill(str(male))
    page.locator(f"#val-{code}-female").fill(str(female))


def snapshot(page, name: str) -> None:
    """Always into /tmp/g14 (to look at); into docs/screenshots only with SCREENSHOTS=1, like the other journeys."""
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def check_accessibility(chromium, page, url: str, *, shows: str, phone_shot: str | None = None) -> None:
    """Axe (no critical, serious or moderate violation) on the page as the signed-in user sees it, desktop and
    phone, in contexts that carry the user's session and bypass the CSP only to inject axe; and no sideways scroll
    at 375 px. `shows`: a selector that must be visible (the rule outcomes)."""
    state = page.context.storage_state()
    found = {}
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        context = chromium.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True, storage_state=state)
        try:
            other = context.new_page()
            other.goto(url)
            expect(other.locator(shows)).to_be_visible()
            found[name] = axe_violations(other) + structure_problems(other)
            if name == "phone":
                assert other.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
                if phone_shot:
                    snapshot(other, phone_shot)
        finally:
            context.close()
    assert found == {"desktop": [], "phone": []}


def test_definitions_made_through_the_api_are_filled_submitted_accepted_and_counted(
        live_server, forms, tree, chromium, page):
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    year = forms["year"]
    define_through_the_api(_token("bo.quantri"))
    report_through_the_api(tree, year)

    # The officer opens the report: the new version's section, with one box per sex and their total.
    sign_in(page, live_server, "canbo.hoabinh")
    page.get_by_role("navigation").get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_role("button", name="Lập báo cáo").click()
    expect(page.get_by_role("heading", level=2, name="Lớp học tại trung tâm học tập cộng đồng")).to_be_visible()
    expect(page.locator("#field-centre_learners")).to_contain_text("Mỗi người tính một lần dù học nhiều lớp.")
    expect(page.locator("#field-centre_learners legend")).to_contain_text("(đơn vị tính: người)")
    for indicator, pair in BASE_FIGURES.items():  # households 70 of 100
        fill_figure(page, indicator, pair["numerator"], pair["denominator"])
    fill_breakdown(page, "centre_learners", 40, 50)
    expect(page.locator("#total-centre_learners")).to_have_text("90")  # computed by report_form.js, under the CSP
    fill_breakdown(page, "centre_completers", 30, 70)
    expect(page.locator("#total-centre_completers")).to_have_text("100")
    page.get_by_label("Nguyên nhân của hạn chế").fill("Một số thôn xa trung tâm.")

    # Submitting is refused by the blocking rule, with its message at the top and beside the element.
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.locator("#checks-blocking")).to_contain_text(BLOCKING_MESSAGE)
    expect(page.locator("#field-centre_completers .check-blocking")).to_have_text(BLOCKING_MESSAGE)
    expect(page.locator("#report-status")).to_have_text("Đang soạn")
    report = Report.objects.get(unit=tree["c1"], year=year)
    assert report.status == ReportStatus.DRAFT and report.submitted_at is None
    assert report.narratives == {"causes": "Một số thôn xa trung tâm."}  # the save before the refusal stands
    snapshot(page, "report-form-defined")
    check_accessibility(chromium, page, page.url, shows="#checks-blocking", phone_shot="report-form-defined-phone")

    # Corrected, it goes: the warning that still fails (40 of 90 completed) does not block, and is shown.
    page.locator("#val-centre_completers-female").fill("10")
    expect(page.locator("#total-centre_completers")).to_have_text("40")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Báo cáo đã được gửi.")).to_be_visible()
    expect(page.locator("#report-status")).to_have_text("Đã gửi")
    expect(page.locator("#checks-warning")).to_contain_text(WARNING_MESSAGE)
    expect(page.locator("#checks-blocking")).to_have_count(0)
    stored = {(v.data_element.code, v.option.code): v.value
              for v in ReportValue.objects.filter(report=report).select_related("data_element", "option")}
    assert stored == {("centre_learners", "male"): 40, ("centre_learners", "female"): 50,
                      ("centre_completers", "male"): 30, ("centre_completers", "female"): 10}
    sign_out(page)

    # The reviewer sees the values the same way (totals server-rendered), may comment on the new element, accepts.
    sign_in(page, live_server, "sogd.duyet")
    page.goto(live_server.url + f"/reports/{report.pk}/")
    expect(page.locator("#val-centre_learners-female")).to_have_value("50")
    expect(page.locator("#val-centre_learners-female")).to_be_disabled()
    expect(page.locator("#total-centre_completers")).to_have_text("40")
    expect(page.get_by_label("Ý kiến: Số người tham gia lớp học tại trung tâm học tập cộng đồng")).to_be_visible()
    expect(page.get_by_label("Ý kiến: Nguyên nhân của hạn chế")).to_be_visible()
    check_accessibility(chromium, page, page.url, shows="#checks-warning")
    page.get_by_role("button", name="Tiếp nhận").click()
    expect(page.get_by_text("Đã tiếp nhận báo cáo.")).to_be_visible()
    assert failures == [f"400 {live_server.url}/reports/{report.pk}/"]  # the refused submission, and only it

    # The debounced refresh (eager Celery ran it at the first acceptance; the second falls in its window): the
    # same service the task calls, on what the acceptances marked dirty.
    from reports import aggregation

    aggregation.stats_refresh_dirty(year=year)
    api = _token("sogd.duyet")
    province = tree["p1"].pk

    def stats(**params) -> list[dict]:
        body = _call(api, "get", "/api/v1/stats/", {"year": year, "unit": province, "page_size": 1000, **params})
        return body["results"]

    communes = stats(indicator=SLUG, by="sex", level="commune")
    top = stats(indicator=SLUG, by="sex")
    total = stats(indicator=SLUG)
    assert {r["unit"]["id"] for r in communes} == {tree["c1"].pk, tree["c2"].pk}
    assert {r["option"]["code"] for r in top} == {"male", "female"}
    for row in top:  # the province's row of each sex is the sum over its communes
        mine = [r for r in communes if r["option"]["code"] == row["option"]["code"]]
        assert row["numerator"] == sum(r["numerator"] for r in mine)
        assert row["denominator"] == sum(r["denominator"] for r in mine)
    by_option = {r["option"]["code"]: (r["numerator"], r["denominator"]) for r in top}
    assert by_option == {"male": (30 + 9, 40 + 12), "female": (10 + 15, 50 + 18)}
    assert [(r["numerator"], r["denominator"], r["percentage"]) for r in total] == [(64, 120, 53.33)]
    assert Decimal(str(total[0]["percentage"])) == round(Decimal(64 * 100) / 120, 2)

    # A built-in slug answers as before: the contract's fields, the sums of the accepted figures, no breakdown.
    old = stats(indicator="households_learning_family")
    assert len(old) == 1 and "option" not in old[0]
    assert {k: old[0][k] for k in ("unit", "year", "indicator", "numerator", "denominator", "percentage")} == {
        "unit": {"id": province, "code": "91", "name": "Tỉnh Thử Nghiệm", "level": "province"}, "year": year,
        "indicator": "households_learning_family", "numerator": 70 + 20, "denominator": 100 + 30, "percentage": 69.23}
    assert {"target", "on_track", "basis"} <= set(old[0])


# --- the same page without a browser: every refusal, the review's new keys, autosave, the documents ----------------


@pytest.fixture
def defined(db, tree):
    """The definitions above (through the API), a commune round, the officer's draft on the new version."""
    from campaigns.models import Campaign
    from reports import services

    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    make_round(campaign, tree["p1"], Level.COMMUNE, year=today().year, indicators=COMMUNE_INDICATORS)
    admin = f.UserFactory(username="bo.quantri", is_superuser=True, is_staff=True)
    api = APIClient()
    api.force_authenticate(admin)
    define_through_the_api(api)
    officer = f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh")
    reviewer = f.member(tree["p1"], Role.REVIEWER, username="sogd.duyet")
    report = services.report_create(unit=tree["c1"], year=today().year, by=officer)
    assert report.form_version.number == 2
    return {"officer": officer, "reviewer": reviewer, "report": report}


def _post_data(report, action="save", **values) -> dict:
    data = {"version": report.version, "action": action, "results": "Kết quả", "limitations": "", "proposals": "",
            "nar-causes": "Thôn xa trung tâm."}
    for indicator, pair in BASE_FIGURES.items():
        data[f"fig-{indicator}-numerator"] = pair["numerator"]
        data[f"fig-{indicator}-denominator"] = pair["denominator"]
    data.update({f"val-{key.replace('__', '.')}": value for key, value in values.items()})
    return data


def _state(report) -> tuple:
    report.refresh_from_db()
    values = sorted((v.data_element.code, v.option.code, v.value) for v in report.values.select_related(
        "data_element", "option"))
    return report.status, report.version, report.narratives, values, report.transitions.count()


GOOD = {"centre_learners__male": "40", "centre_learners__female": "50", "centre_completers__male": "30",
        "centre_completers__female": "25"}


def test_the_form_shows_the_versions_sections_in_order_with_breakdown_boxes_and_totals(client, defined):
    report, officer = defined["report"], defined["officer"]
    client.force_login(officer)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings[:3] == ["Kết quả thực hiện các chỉ tiêu", "Lớp học tại trung tâm học tập cộng đồng",
                            "Đánh giá chung"]
    assert 'name="val-centre_learners.male"' in page and 'name="val-centre_learners.female"' in page
    assert 'name="fig-households_learning_family-numerator"' in page  # the built-in pairs keep their names
    assert 'name="nar-causes"' in page and "Nguyên nhân của hạn chế" in page
    assert "(đơn vị tính: người)" in page and "Mỗi người tính một lần dù học nhiều lớp." in page
    assert 'id="report-checks"' not in page  # a fresh draft: nothing saved, nothing judged yet
    assert "<script>" not in page and "onclick" not in page  # the CSP forbids inline script: totals are report_form.js

    client.post(f"/reports/{report.pk}/", _post_data(report, **GOOD))
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert re.search(r'id="total-centre_learners"[^>]*>90</output>', page)
    assert re.search(r'id="total-centre_completers"[^>]*>55</output>', page)


def test_a_value_that_is_not_a_whole_number_is_refused_beside_its_box_and_nothing_changes(client, defined):
    report, officer = defined["report"], defined["officer"]
    client.force_login(officer)
    client.post(f"/reports/{report.pk}/", _post_data(report, **GOOD))
    before = _state(report)
    for bad, message in (("2.5", "phải là số nguyên không âm"), ("-3", "không được âm"), ("abc", "phải là một số")):
        response = client.post(f"/reports/{report.pk}/", _post_data(report, **{**GOOD, "centre_learners__female": bad}))
        page = response.content.decode()
        assert response.status_code == 400, bad
        box = page[page.index('id="val-centre_learners-female"'):][:400]
        assert f'value="{bad}"' in box and message in box, (bad, box)  # typed value kept, error beside the box
        assert _state(report) == before


def test_a_blocking_rule_refuses_the_submission_and_a_warning_does_not(client, defined):
    report, officer = defined["report"], defined["officer"]
    client.force_login(officer)
    response = client.post(f"/reports/{report.pk}/", _post_data(
        report, action="submit", **{**GOOD, "centre_completers__female": "70"}))
    page = response.content.decode()
    assert response.status_code == 400
    assert BLOCKING_MESSAGE in page[page.index('id="checks-blocking"'):][:600]
    assert BLOCKING_MESSAGE in page[page.index('id="field-centre_completers"'):][:3000]
    status, version, _narratives, values, transitions = _state(report)
    assert status == ReportStatus.DRAFT and transitions == 1 and report.submitted_at is None
    assert ("centre_completers", "female", 70) in values  # the save before the refused submission stands

    response = client.post(f"/reports/{report.pk}/", _post_data(
        report, action="submit", **{**GOOD, "centre_completers__female": "5"}), follow=True)
    page = response.content.decode()
    assert "Báo cáo đã được gửi." in page and _state(report)[0] == ReportStatus.SUBMITTED
    assert WARNING_MESSAGE in page[page.index('id="checks-warning"'):][:600]
    assert 'id="checks-blocking"' not in page


def test_autosave_stores_the_typed_boxes_and_an_emptied_box_clears_its_value(client, defined):
    report, officer = defined["report"], defined["officer"]
    client.force_login(officer)
    response = client.post(f"/reports/{report.pk}/autosave/", {
        "version": report.version, "val-centre_learners.male": "12", "val-centre_learners.female": "",
        "nar-causes": "Đang viết"})
    assert response.status_code == 200 and response.json()["version"] == report.version + 1
    assert _state(report)[2:4] == ({"causes": "Đang viết"}, [("centre_learners", "male", 12)])
    response = client.post(f"/reports/{report.pk}/autosave/", {
        "version": report.version, "val-centre_learners.male": ""})
    assert response.status_code == 200 and _state(report)[3] == []
    response = client.post(f"/reports/{report.pk}/autosave/", {"version": 1, "val-centre_learners.male": "3"})
    assert response.status_code == 409 and "người khác cập nhật" in response.json()["detail"]
    assert _state(report)[3] == []


def test_the_reviewer_comments_on_a_new_element_and_a_new_narrative_and_the_officer_sees_them(client, defined):
    report, officer, reviewer = defined["report"], defined["officer"], defined["reviewer"]
    client.force_login(officer)
    client.post(f"/reports/{report.pk}/", _post_data(report, action="submit", **GOOD))
    client.force_login(reviewer)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'name="comment-centre_learners"' in page and 'name="comment-causes"' in page
    assert 'value="40"' in page[page.index('id="val-centre_learners-male"'):][:200]  # the values, read-only
    client.post(f"/reports/{report.pk}/review/", {"action": "return", "comment-centre_learners": "Số nữ chưa khớp.",
                                                  "comment-causes": "Cần nêu rõ thôn nào."})
    assert _state(report)[0] == ReportStatus.RETURNED
    client.force_login(officer)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Số nữ chưa khớp." in page[page.index('id="field-centre_learners"'):][:3000]
    assert "Cần nêu rõ thôn nào." in page[page.index('id="id_nar-causes"') - 600:][:700]
    history = page[page.index('id="history"'):]
    assert "Số người tham gia lớp học tại trung tâm học tập cộng đồng:</span> Số nữ chưa khớp." in history
    assert "Nguyên nhân của hạn chế:</span> Cần nêu rõ thôn nào." in history


def test_after_the_rollup_the_exports_and_the_bao_cao_list_the_new_elements(client, tree, defined):
    from core.documents.models import Document
    from reports import aggregation, exports
    from reports import services as report_services

    report, officer, reviewer = defined["report"], defined["officer"], defined["reviewer"]
    client.force_login(officer)
    client.post(f"/reports/{report.pk}/", _post_data(report, action="submit", **GOOD))
    report_services.report_accept(report=report, by=reviewer)
    aggregation.stats_rebuild(year=report.year)
    client.force_login(reviewer)
    # The spreadsheet of the dashboard keeps to the built-in indicators' rows (a defined one has rows per option).
    response = client.get(f"/reports/dashboard/export.xlsx?unit={tree['p1'].pk}&year={report.year}")
    assert response.status_code == 200
    # The BÁO CÁO of the commune: the values of the elements defined as data, with their breakdown.
    document = Document(issuer=exports.issuing_body_for(tree["c1"]), year=report.year,
                        title=exports._report_title(report.year), date=today())
    body = exports.report_document_build(document).body_html
    table = body[body.index("SỐ LIỆU KHÁC"):]
    assert "Số người tham gia lớp học tại trung tâm học tập cộng đồng" in table
    assert re.search(r"<td>người</td><td>90</td><td>Nam: 40; Nữ: 50</td>", table)
    assert re.search(r"<td>người</td><td>55</td><td>Nam: 30; Nữ: 25</td>", table)


def test_the_form_page_reads_in_queries_that_do_not_grow_with_the_elements_on_it(client, tree, defined):
    """Version 2 has two elements with a breakdown; version 3 (from next year) adds three more. The page of a report
    on each takes the same number of queries (layouts warmed: they are cached per frozen version)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import services as report_services

    admin = APIClient()
    admin.force_authenticate(f.UserFactory(username="bo.quantri"))
    version = _call(admin, "post", "/api/v1/report-forms/yearly_commune/versions/", {})
    for n in range(3):
        _call(admin, "post", "/api/v1/data-elements/", {"code": f"extra_{n}", "name": f"Số liệu thêm {n}",
                                                        "category": "ethnicity", "unit_of_measure": "người"})
        _call(admin, "post", f"/api/v1/report-form-versions/{version['id']}/fields/",
              {"section": "centre_classes", "element": f"extra_{n}"})
    _call(admin, "post", f"/api/v1/report-form-versions/{version['id']}/publish/")
    # Version 3 applies from next year (version 2 keeps this year): a report of next year is opened on it.
    from campaigns.models import Campaign

    make_round(Campaign.objects.get(decision_number="1315/QĐ-TTg"), tree["p1"], Level.COMMUNE,
               year=today().year + 1, indicators=COMMUNE_INDICATORS)
    officer2 = f.member(tree["c2"], Role.OFFICER, username="canbo.dongha")
    wider = report_services.report_create(unit=tree["c2"], year=today().year + 1, by=officer2)
    assert wider.form_version.number == 3

    def count(report, user) -> int:
        client.force_login(user)
        # Saved, with 35 of 90 completed: the rules are judged and the warning shows.
        client.post(f"/reports/{report.pk}/", _post_data(report, **{**GOOD, "centre_completers__female": "5"}))
        client.get(f"/reports/{report.pk}/")
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/reports/{report.pk}/").content.decode()
        assert WARNING_MESSAGE in page
        return len(queries)

    assert count(wider, officer2) == count(defined["report"], defined["officer"])
