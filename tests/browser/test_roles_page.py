"""In a real browser, on a phone-sized screen: a commune administrator grants and revokes a role on the role page."""

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import PASSWORD
from units.models import Membership
from units.roles import Role

pytestmark = pytest.mark.browser


def test_a_commune_administrator_grants_and_revokes_on_a_375px_screen(live_server, transactional_db, tree, chromium,
                                                                       screenshot):
    f.member(tree["c1"], Role.ADMIN, username="quantri.xa", full_name="Nguyễn Thị Quản Trị")
    newcomer = f.UserFactory(username="canbo.moi", full_name="Trần Văn Mới")
    context = chromium.new_context(locale="vi-VN", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill("quantri.xa")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()

        page.goto(f"{live_server.url}/units/{tree['c1'].pk}/")
        page.get_by_role("link", name="Quản lý phân quyền (giao, thu hồi vai trò, lịch sử)").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Phân quyền người dùng — Xã Hòa Bình")

        page.get_by_label("Tài khoản (tên đăng nhập hoặc thư điện tử)").fill("canbo.moi")
        page.get_by_label("Vai trò").first.select_option(Role.OFFICER)
        page.get_by_role("button", name="Giao vai trò").click()
        expect(page.locator(".messages")).to_contain_text("Đã giao vai trò “Cán bộ đơn vị” tại Xã Hòa Bình")
        membership = Membership.objects.get(user=newcomer)

        card = page.locator(f"#membership-{membership.pk}")
        card.get_by_label("Lý do thu hồi").fill("Nhập nhầm người")
        card.get_by_role("button", name="Thu hồi").click()
        expect(page.locator(".messages")).to_contain_text("Đã thu hồi vai trò “Cán bộ đơn vị” tại Xã Hòa Bình")
        expect(page.locator("#history")).to_contain_text("Nhập nhầm người")
        screenshot("roles-375")

        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert not Membership.objects.filter(user=newcomer).exists()
    finally:
        context.close()
