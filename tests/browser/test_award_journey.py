"""End to end, in a real browser: a commune officer nominates a household, the council's secretary opens
a session, the members vote by secret ballot, the nomination passes, the province's approver issues the
decision, and the certificate downloads and verifies on the public page."""

import importlib
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from awards import services
from awards.models import Authority, Award, AwardForm, CouncilMember, Review, ThresholdBase
from core.models import User
from tests import factories as f
from tests.conftest import PASSWORD
from units.models import Household
from units.roles import Role

pytestmark = pytest.mark.browser

FORM_NAME = "Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh"
SHOTS = Path("/tmp/h4")


def shoot(page, name: str) -> None:
    """Full-page screenshots at desktop and phone widths, for a person to look at (not compared)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def council(transactional_db, tree):
    # A transactional test starts from flushed tables: the forms of the data migration are put back.
    for slug, name, title, rank, authorities, basis in importlib.import_module(
            "awards.migrations.0004_law_forms_and_powers").FORMS:
        AwardForm.objects.update_or_create(slug=slug, defaults={"name": name, "certificate_title": title,
                                                                "rank": rank, "authorities": authorities,
                                                                "legal_basis": basis})
    root = User.objects.create_superuser("goc", "goc@example.test", PASSWORD)
    province = tree["p1"]
    services.deciding_power_set(body=province, form=AwardForm.objects.get(slug="bang-khen-tinh"),
                                authority=Authority.PROVINCE_CHAIR, review=Review.COUNCIL,
                                authority_name="Ủy ban nhân dân Tỉnh Thử Nghiệm", signer_title="Chủ tịch", by=root)
    council = services.council_create(body=province, name="Hội đồng TĐKT Tỉnh Thử Nghiệm", by=root)
    secretary = f.member(province, Role.COUNCIL_SECRETARY, username="hoidong.thuky", full_name="Đặng Thu Thư")
    services.council_member_add(council=council, user=secretary, role=CouncilMember.Role.SECRETARY, by=root)
    for n in (1, 2, 3):
        member = f.member(province, Role.COUNCIL_MEMBER, username=f"hoidong.tv{n}", full_name=f"Thành viên {n}")
        services.council_member_add(council=council, user=member, role=CouncilMember.Role.MEMBER, by=root)
    services.voting_rule_set(council=council, form=None, quorum_percent=Decimal("66.67"),
                             threshold_percent=Decimal("90"), threshold_base=ThresholdBase.MEMBERS,
                             threshold_inclusive=True, secret_ballot=True, by=root)
    f.member(tree["c1"], Role.OFFICER, username="xa.hoabinh", full_name="Phạm Thị Hòa")
    f.member(province, Role.APPROVER, username="tinh.lanhdao", full_name="Lê Văn Ký")
    Household.objects.create(unit=tree["h1"], code="HB-001", head_name="Nguyễn Văn Học")
    return council


def sign_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_nomination_is_voted_decided_and_its_certificate_verifies(live_server, council, tree, page, screenshot,
                                                                 tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"

    # The commune officer nominates a household of the commune.
    sign_in(page, live_server.url, "xa.hoabinh")
    page.get_by_role("link", name="Khen thưởng").first.click()
    page.get_by_role("link", name="Lập đề nghị mới").click()
    page.get_by_label("Đơn vị đề nghị").select_option(label=tree["c1"].name)
    page.get_by_label("Hình thức khen thưởng").select_option(label=FORM_NAME)
    page.get_by_label("Dịp khen thưởng").select_option("yearly")
    page.get_by_label("Năm").fill("2024")
    page.get_by_label("Đối tượng").select_option("household")
    page.get_by_label("Mã hộ gia đình").fill("HB-001")
    page.get_by_label("Tóm tắt thành tích").fill("Ba năm liền đạt danh hiệu Gia đình học tập.")
    screenshot("awards-01-de-nghi")
    page.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.get_by_text("Đã gửi đề nghị khen thưởng tới Tỉnh Thử Nghiệm.")).to_be_visible()
    expect(page.locator("#nomination-status")).to_have_text("Chờ Hội đồng xét")

    # The secretary schedules a session with it, records everyone present and opens the vote.
    sign_in(page, live_server.url, "hoidong.thuky")
    page.goto(live_server.url + "/awards/councils/")
    page.get_by_role("link", name="Lên lịch phiên họp").click()
    page.get_by_label("Tên phiên họp").fill("Phiên họp xét khen thưởng năm 2024")
    page.get_by_label("Ngày họp").fill("10/01/2025")
    page.get_by_label("Hộ gia đình ông/bà Nguyễn Văn Học", exact=False).check()
    page.get_by_role("button", name="Lên lịch").click()
    expect(page.get_by_text("Đã lên lịch phiên họp.")).to_be_visible()
    session_url = page.url
    # Nobody recorded present yet: voting does not open (issue 12.6).
    page.locator("#open-session").click()
    expect(page.get_by_text("Chưa ghi nhận thành viên có quyền biểu quyết nào có mặt: không thể mở bỏ phiếu.")
           ).to_be_visible()
    expect(page.locator("#session-status")).to_have_text("Đã lên lịch")
    for n in (1, 2, 3):
        page.get_by_role("checkbox", name=f"Thành viên {n}").check()
    page.get_by_role("button", name="Ghi nhận có mặt").click()
    expect(page.get_by_text("Đã ghi nhận thành viên có mặt.")).to_be_visible()
    page.locator("#open-session").click()
    expect(page.locator("#session-status")).to_have_text("Đang bỏ phiếu")

    # Each member votes on their own ballot paper.
    for n in (1, 2, 3):
        sign_in(page, live_server.url, f"hoidong.tv{n}")
        page.goto(session_url)
        if n == 1:
            shoot(page, "phien-hop-thanh-vien")
        page.locator("#go-vote").click()
        if n == 1:
            shoot(page, "phieu-bau-thanh-vien")
        page.get_by_label("Đồng ý", exact=True).check()
        page.get_by_role("button", name="Bỏ phiếu").click()
        expect(page.get_by_text("Đã ghi nhận phiếu của bạn.")).to_be_visible()
        expect(page.locator(".voted")).to_have_text("Bạn đã bỏ phiếu cho đề nghị này.")

    # The secretary closes the session: the ballots are counted, the nomination passes.
    sign_in(page, live_server.url, "hoidong.thuky")
    page.goto(session_url)
    page.locator("#close-session").click()
    expect(page.locator("#session-status")).to_have_text("Đã kết thúc")
    expect(page.locator("td.outcome")).to_have_text("Thông qua")
    screenshot("awards-02-ket-qua")

    # The province's approver issues the decision.
    sign_in(page, live_server.url, "tinh.lanhdao")
    page.goto(live_server.url + "/awards/")
    page.get_by_role("link", name="Ban hành quyết định khen thưởng").click()
    # No number typed: the province's register numbers the decision.
    page.get_by_label("Ngày quyết định").fill("15/01/2025")
    page.get_by_label("Người ký:", exact=True).fill("Lê Văn Ký")
    page.get_by_label("Hộ gia đình ông/bà Nguyễn Văn Học", exact=False).check()
    page.get_by_role("button", name="Ban hành").click()
    expect(page.get_by_text("Đã ban hành Quyết định số 01/QĐ-UBND.")).to_be_visible()

    # The certificate downloads as a PDF carrying its verification code ...
    with page.expect_download() as download_info:
        page.locator("a.certificate-link").click()
    path = tmp_path / "bang-khen.pdf"
    download_info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    code = Award.objects.get().verification_code
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert code in text and "01/QĐ-UBND" in text

    # ... and verifies on the public page, without signing in.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/verify/{code}/")
    expect(page.locator("#verify-name")).to_have_text("Hộ gia đình ông/bà Nguyễn Văn Học")
    expect(page.locator("#verify-number")).to_have_text("Số 01/QĐ-UBND")
    expect(page.locator("#verify-authority")).to_have_text("Ủy ban nhân dân Tỉnh Thử Nghiệm")
    expect(page.locator("#verify-date")).to_have_text("15/01/2025")
    expect(page.locator("#verify-ok")).to_have_text("Khen thưởng này đã được quyết định tặng và không bị hủy bỏ.")
    screenshot("awards-03-xac-thuc")
    shoot(page, "xac-thuc")
