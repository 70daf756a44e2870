"""End to end, in a real browser: a commune officer fills in and submits the yearly report, the reviewer of
the level above returns it with a comment, the officer corrects and resubmits, the reviewer accepts, and
the dashboard shows the new figures."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import PASSWORD
from tests.reports.conftest import BASE_FIGURES, COMMUNE_INDICATORS, make_round, today
from units.models import Level
from units.roles import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def journey(transactional_db, tree):
    from campaigns.models import Campaign

    cache.clear()
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    make_round(campaign, tree["p1"], Level.COMMUNE, year=today().year, indicators=COMMUNE_INDICATORS)
    return {
        "year": today().year,
        "officer": f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh", full_name="Phạm Thị Hòa"),
        "reviewer": f.member(tree["p1"], Role.REVIEWER, username="sogd.duyet", full_name="Trần Thị Duyệt"),
    }


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def sign_out(page):
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def fill_figure(page, indicator, numerator, denominator):
    page.locator(f"#fig-{indicator}-denominator").fill(str(denominator))
    page.locator(f"#fig-{indicator}-numerator").fill(str(numerator))


def test_report_goes_from_draft_to_accepted_and_reaches_the_dashboard(live_server, journey, tree, page,
                                                                       screenshot):
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    year = journey["year"]

    # The officer opens the report from "Báo cáo", types the figures (autosaved) and submits.
    sign_in(page, live_server, "canbo.hoabinh")
    page.get_by_role("navigation").get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_role("button", name="Lập báo cáo").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Báo cáo kết quả năm {year}")
    for indicator, pair in BASE_FIGURES.items():
        fill_figure(page, indicator, pair["numerator"], pair["denominator"])
    page.get_by_label("Kết quả đạt được").fill("Phong trào được triển khai đến mọi thôn.")
    expect(page.locator("#autosave-status")).to_contain_text("Đã tự động lưu", timeout=15_000)
    screenshot("20-bao-cao-nhap")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Báo cáo đã được gửi.")).to_be_visible()
    expect(page.locator("#report-status")).to_have_text("Đã gửi")
    report_url = page.url
    sign_out(page)

    # The reviewer of the province returns it with a comment on the households figure.
    sign_in(page, live_server, "sogd.duyet")
    page.goto(report_url)
    page.get_by_label("Ý kiến: Hộ gia đình đạt danh hiệu Gia đình học tập").fill("Số hộ đạt chưa khớp biên bản.")
    screenshot("21-bao-cao-tra-lai")
    page.get_by_role("button", name="Trả lại để sửa").click()
    expect(page.get_by_text("Đã trả lại báo cáo cho đơn vị.")).to_be_visible()
    expect(page.locator("#report-status")).to_have_text("Bị trả lại")
    sign_out(page)

    # The officer sees the comment beside the field, corrects it and sends again.
    sign_in(page, live_server, "canbo.hoabinh")
    page.goto(report_url)
    expect(page.locator(".review-comment").first).to_have_text("Số hộ đạt chưa khớp biên bản.")
    page.locator("#fig-households_learning_family-numerator").fill("75")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Báo cáo đã được gửi.")).to_be_visible()
    sign_out(page)

    # The reviewer accepts; the history shows every step; the dashboard shows the new figure.
    sign_in(page, live_server, "sogd.duyet")
    page.goto(report_url)
    page.get_by_role("button", name="Tiếp nhận").click()
    expect(page.get_by_text("Đã tiếp nhận báo cáo.")).to_be_visible()
    expect(page.locator("#history li")).to_have_count(5)
    page.goto(f"{live_server.url}/reports/dashboard/?unit={tree['p1'].pk}&year={year}"
              "&indicator=households_learning_family")
    row = page.locator("#attainment tbody tr", has_text="Xã Hòa Bình")
    expect(row).to_contain_text("75")
    expect(row).to_contain_text("75,00%")
    screenshot("22-bang-theo-doi")
    page.goto(f"{live_server.url}/reports/completeness/?unit={tree['p1'].pk}&year={year}")
    expect(page.locator("#completeness tbody tr", has_text="Xã Hòa Bình")).to_contain_text("1")
    assert failures == []
