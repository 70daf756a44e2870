"""Issue 13, point 2, in a real browser: the rate column of the report form recomputes as the officer types,
also on the page of a refused save, from the static script (the CSP forbids inline ones); the form at 375 px."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from reports import services
from tests import factories as f
from tests.conftest import PASSWORD
from tests.reports.conftest import BASE_FIGURES, COMMUNE_INDICATORS, make_round, today
from units.models import Level
from units.roles import Role

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("H10_SHOTS", "/tmp/h10"))


@pytest.fixture
def report(transactional_db, tree):
    from campaigns.models import Campaign

    cache.clear()
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    make_round(campaign, tree["p1"], Level.COMMUNE, year=today().year, indicators=COMMUNE_INDICATORS)
    officer = f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh", full_name="Phạm Thị Hòa")
    draft = services.report_create(unit=tree["c1"], year=today().year, by=officer)
    return services.report_update(report=draft, by=officer, version=draft.version, figures=BASE_FIGURES)


def _sign_in(page, live_server, username):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_rate_follows_the_typed_figures_also_after_a_refused_save(chromium, live_server, report):
    context = chromium.new_context(locale="vi-VN", viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        _sign_in(page, live_server, "canbo.hoabinh")
        page.goto(f"{live_server.url}/reports/{report.pk}/")
        rate = page.locator("#rate-households_learning_family")
        expect(rate).to_have_text("70,00%")
        page.fill("#fig-households_learning_family-denominator", "8")
        page.fill("#fig-households_learning_family-numerator", "1")
        expect(rate).to_have_text("12,50%")
        page.fill("#fig-households_learning_family-numerator", "9")  # above the total: no rate
        expect(rate).to_have_text("—")
        page.get_by_role("button", name="Lưu", exact=True).click()  # refused: 9 > 8
        expect(page.locator(".field-error").first).to_contain_text("không được lớn hơn tổng số")
        expect(rate).to_have_text("—")
        page.fill("#fig-households_learning_family-numerator", "3")
        expect(rate).to_have_text("37,50%")
        # The registry hint (one hamlet, none recognised) shows only while the typed figure differs from it.
        hint = page.locator("#fig-hamlets_learning_community-numerator ~ .hint")
        expect(hint).to_be_visible()
        expect(hint).to_have_text("Theo sổ đăng ký: 0 · chênh lệch 1")
        page.fill("#fig-hamlets_learning_community-numerator", "0")
        expect(hint).to_be_hidden()
        page.fill("#fig-hamlets_learning_community-numerator", "2")  # above the total of 1, but still a difference
        expect(hint).to_have_text("Theo sổ đăng ký: 0 · chênh lệch 2")
        page.fill("#fig-hamlets_learning_community-numerator", "1")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "report-form-375.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()


def test_reviewer_sees_last_year_and_grants_the_units_request_from_the_report_page(chromium, live_server, tree,
                                                                                    report):
    import datetime

    from campaigns.models import Campaign
    from reports.models import DeadlineExtension, Report

    officer = report.created_by
    reviewer = f.member(tree["p1"], Role.REVIEWER, username="sogd.duyet", full_name="Trần Thị Duyệt")
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    make_round(campaign, tree["p1"], Level.COMMUNE, year=today().year - 1, indicators=COMMUNE_INDICATORS)
    last = services.report_create(unit=tree["c1"], year=today().year - 1, by=officer)
    last = services.report_update(report=last, by=officer, version=last.version, figures=BASE_FIGURES)
    services.report_accept(report=services.report_submit(report=last, by=officer), by=reviewer)
    services.extension_request(unit=tree["c1"], year=today().year, new_deadline=today() + datetime.timedelta(days=40),
                               reason="Bão lũ", by=officer)
    context = chromium.new_context(locale="vi-VN", viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, live_server, "sogd.duyet")
        page.goto(f"{live_server.url}/reports/{report.pk}/")
        expect(page.locator("th.last-year")).to_have_text(f"Năm {today().year - 1}")
        expect(page.locator("#extension-request")).to_contain_text("Bão lũ")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "report-reviewer-375.png"), full_page=True)
        page.get_by_role("button", name="Đồng ý gia hạn").click()
        page.wait_for_url(f"{live_server.url}/reports/{report.pk}/")
        expect(page.locator("#extension-request")).to_contain_text("Đã được gia hạn")
        assert DeadlineExtension.objects.get().granted_by == reviewer
        assert Report.objects.get(pk=report.pk).status == "draft"
    finally:
        context.close()
