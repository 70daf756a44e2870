"""End to end, in a real browser: a commune school's officer self-assesses for Đơn vị học tập and submits;
the commune's People's Committee (its chairman holds the approver role) recognises it; the decision comes
out of the commune's register ("01/QĐ-UBND"), and its PDF is downloaded and read back with pdftotext.

The approval page is also looked at as a person would (1280 px and 375 px wide) and the decision as pages
(pdftoppm): both go to /tmp/h6/ (H6_SHOTS, a folder outside the repository) for a human to inspect."""

import datetime
import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import PASSWORD
from titles.catalogue import load_catalogue
from titles.models import Evaluation, Recognition
from units.roles import Role

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("H6_SHOTS", "/tmp/h6"))  # noqa: S108 - a scratch folder for a human to look at


@pytest.fixture
def people(transactional_db, tree):
    load_catalogue()  # a transactional test starts from flushed tables
    return {
        "officer": f.member(tree["s1"], Role.OFFICER, username="canbo.truong", full_name="Võ Minh Trường"),
        "approver": f.member(tree["c1"], Role.APPROVER, username="chutich.hoabinh", full_name="Trần Văn Chủ"),
    }


def sign_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def look(page, name: str) -> None:
    """Full-page screenshots at desktop and phone widths, for a person to check the layout."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_school_self_assesses_and_the_commune_recognises_it_with_a_numbered_decision(
        live_server, people, tree, page, screenshot, tmp_path):
    year = datetime.date.today().year - 1

    # The school's officer opens a self-assessment from the Titles page: only its own title is offered.
    sign_in(page, live_server.url, "canbo.truong")
    page.get_by_role("link", name="Danh hiệu học tập").first.click()
    titles = page.get_by_label("Danh hiệu:", exact=True)
    expect(titles.locator("option", has_text="Cộng đồng học tập cấp thôn")).to_have_count(0)
    titles.select_option(label="Đơn vị học tập")
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

    # The commune chairman finds it in the queue and recognises it: no number to type, the register gives it.
    sign_in(page, live_server.url, "chutich.hoabinh")
    page.goto(live_server.url + "/titles/")
    page.locator("#queue").get_by_role("link", name=tree["s1"].name).click()
    expect(page.get_by_label("Số quyết định")).to_have_count(0)
    page.get_by_label("Thẩm quyền ký").select_option("head")
    page.get_by_label("Họ tên người ký").fill("Trần Văn Chủ")
    screenshot("titles-02-tham-dinh")
    look(page, "approval-page")
    page.get_by_role("button", name="Công nhận danh hiệu").click()
    expect(page.get_by_text("Đã công nhận danh hiệu.")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Đã công nhận")
    expect(page.locator("#history")).to_contain_text("01/QĐ-UBND")

    # The decision's PDF (made on commit) downloads from the page and reads as a decision of the commune.
    with page.expect_download() as download_info:
        page.locator("#history").get_by_role("link", name="Tải quyết định (PDF)").click()
    path = tmp_path / "quyet-dinh.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    for expected in ("Số: 01/QĐ-UBND", "ỦY BAN NHÂN DÂN XÃ HÒA BÌNH", "Trường Tiểu học Hòa Bình", "Điều 1.",
                     "TM. ỦY BAN NHÂN DÂN", "Trần Văn Chủ", "Hòa Bình, ngày"):
        assert expected in text, expected
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(SHOTS / "decision")], check=True)

    recognition = Recognition.objects.get()
    assert (recognition.unit, recognition.year, recognition.level) == (tree["s1"], year, 1)
    assert recognition.decision.number == "01/QĐ-UBND"
    assert Evaluation.objects.get().status == Evaluation.Status.APPROVED
