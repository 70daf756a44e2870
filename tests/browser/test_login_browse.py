"""End to end, in a real browser: an officer signs in, searches without diacritics, opens their commune."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import PASSWORD
from units.models import Succession
from units.roles import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def officer(transactional_db, tree):
    old = f.commune(tree["p1"], name="Xã Hòa Bình Cũ", code="99019", valid_to="2025-06-30")
    Succession.objects.create(predecessor=old, successor=tree["c1"], kind=Succession.Kind.MERGE, date="2025-07-01")
    return f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh", full_name="Phạm Thị Hòa")


def failed_requests(page) -> list[str]:
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failures.append(f"failed {r.url}"))
    return failures


def test_officer_logs_in_searches_and_opens_their_commune(live_server, officer, tree, page, screenshot):
    failures = failed_requests(page)

    # Anyone arriving is sent to the login form, in Vietnamese.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    screenshot("01-dang-nhap")

    page.get_by_label("Tên đăng nhập").fill("canbo.hoabinh")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", name="Xin chào, Phạm Thị Hòa")).to_be_visible()
    expect(page.get_by_text("Cán bộ đơn vị", exact=True)).to_be_visible()
    screenshot("02-trang-chu")

    page.get_by_role("navigation").get_by_role("link", name="Đơn vị", exact=True).click()
    expect(page.get_by_role("heading", name="Cây đơn vị")).to_be_visible()

    page.get_by_role("searchbox", name="Tìm đơn vị").fill("hoa binh")
    page.get_by_role("button", name="Tìm").click()
    results = page.locator("table.table tbody")
    expect(results.get_by_role("link")).to_have_text(["Xã Hòa Bình", "Trường Tiểu học Hòa Bình"])
    screenshot("03-tim-don-vi")

    results.get_by_role("link", name="Xã Hòa Bình", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/units/{tree['c1'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xã Hòa Bình")
    expect(page.locator("#children").get_by_role("link", name="Thôn Một")).to_be_visible()
    lineage = page.locator("#lineage")
    expect(lineage.get_by_role("heading", name="Hình thành từ")).to_be_visible()
    expect(lineage.get_by_role("link", name="Xã Hòa Bình Cũ")).to_be_visible()
    expect(lineage).to_contain_text("01/07/2025")
    screenshot("04-trang-don-vi")

    # Nothing the pages asked for was missing (the stylesheet, above all), and nothing came from outside.
    assert [f for f in failures if "favicon.ico" not in f] == []
