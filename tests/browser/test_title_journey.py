"""End to end, in a real browser: a school's officer self-assesses for Đơn vị học tập and submits;
the education department's approver (APPROVER over the province) recognises it with a decision."""

import datetime

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import PASSWORD
from titles.catalogue import load_catalogue
from titles.models import Evaluation, Recognition
from units.roles import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db, tree):
    load_catalogue()  # a transactional test starts from flushed tables
    return {
        "officer": f.member(tree["s1"], Role.OFFICER, username="canbo.truong", full_name="Võ Minh Trường"),
        "approver": f.member(tree["p1"], Role.APPROVER, username="sogd.congnhan", full_name="Lê Văn Công"),
    }


def sign_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_school_self_assesses_and_education_department_approves(live_server, people, tree, page, screenshot):
    year = datetime.date.today().year - 1

    # The school's officer opens a self-assessment from the Titles page.
    sign_in(page, live_server.url, "canbo.truong")
    page.get_by_role("link", name="Danh hiệu học tập").first.click()
    page.get_by_label("Danh hiệu:", exact=True).select_option(label="Đơn vị học tập")
    page.get_by_label("Đơn vị tự đánh giá").select_option(label=tree["s1"].name)
    page.get_by_label("Năm đánh giá").fill(str(year))
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(page.get_by_text("Đã tạo hồ sơ tự đánh giá")).to_be_visible()

    # Every criterion of level 1 is answered "Đạt" with an explanation, then the form is sent.
    selects = page.locator("select[name^=passed_]")
    for i in range(selects.count()):
        selects.nth(i).select_option("1")
    page.locator("textarea[name^=explanation_]").first.fill("Kế hoạch bồi dưỡng số 12/KH-THHB ngày 10/01")
    screenshot("titles-01-tu-danh-gia")
    page.get_by_role("button", name="Gửi hồ sơ").click()
    expect(page.get_by_text("Đã gửi hồ sơ tự đánh giá để thẩm định.")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Đã gửi, chờ thẩm định")

    # The education department's approver finds it in the queue and recognises it.
    sign_in(page, live_server.url, "sogd.congnhan")
    page.goto(live_server.url + "/titles/")
    page.locator("#queue").get_by_role("link", name=tree["s1"].name).click()
    page.get_by_label("Số quyết định").fill("1688/QĐ-SGDĐT")
    page.get_by_label("Người ký:", exact=True).fill("Lê Văn Công")
    screenshot("titles-02-tham-dinh")
    page.get_by_role("button", name="Công nhận danh hiệu").click()
    expect(page.get_by_text("Đã công nhận danh hiệu.")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Đã công nhận")
    expect(page.locator("#history")).to_contain_text("1688/QĐ-SGDĐT")

    recognition = Recognition.objects.get()
    assert (recognition.unit, recognition.year, recognition.level) == (tree["s1"], year, 1)
    assert Evaluation.objects.get().status == Evaluation.Status.APPROVED
