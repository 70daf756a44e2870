"""The award acts — tờ trình, báo cáo thành tích, biên bản, quyết định, Bằng khen — printed in the decree's
layouts from the awards data, read back from the real PDF as a văn thư would check them."""

import datetime
import inspect
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from awards import documents, services
from awards.models import AgendaItem, Award, AwardForm, Outcome
from core.documents import services as register
from core.documents import vietnamese_date
from core.documents.models import Document, DocumentKind
from tests.awards.conftest import nominate, run_session
from tests.documents.helpers import pdfinfo
from tests.documents.test_layouts import MM, plain, read_lines, rows, words
from units.models import Household

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def saved(field, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(field.read())
    if os.environ.get("H5B_DUMP"):  # look at the pages: H5B_DUMP=/tmp/h5b pytest … then pdftoppm
        Path(os.environ["H5B_DUMP"], f"award-{name}.pdf").write_bytes(path.read_bytes())
    return path


def assert_inside_margins(path: Path) -> None:
    for number, width, _height, boxes in words(path):
        assert min(b[0] for b in boxes) >= 30 * MM, number
        assert width - max(b[2] for b in boxes) >= 15 * MM, number


@pytest.fixture
def named_council(province_council):
    """Members with their full names, as the council's roll prints them."""
    council, secretary, seats = province_council.values()
    secretary.full_name = "Phan Thị Thu"
    secretary.save()
    for n, seat in enumerate(seats):
        seat.user.full_name = f"Nguyễn Văn Thành viên {n}"
        seat.user.save()
    chair = seats[0]
    chair.role = chair.Role.CHAIR
    chair.save()
    return province_council


@pytest.fixture
def decided(tree, forms, named_council, officer, household, approver):
    council, secretary, seats = named_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = run_session(council, secretary, [nomination], present=seats[:9], votes={s: "yes" for s in seats[:9]},
                          recused=())
    decision = services.decision_issue(body=tree["p1"], nominations=[nomination], number="12/QĐ-UBND",
                                       date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="",
                                       by=approver)
    return {"nomination": nomination, "session": session, "decision": decision, "award": Award.objects.get(),
            "seats": seats, "secretary": secretary}


# --- Certificate -----------------------------------------------------------------------------------------


def test_certificate_is_a_landscape_bang_khen_of_the_deciding_authority(decided, tmp_path):
    award = decided["award"]

    documents.award_render_certificate(award_id=award.pk)

    award.refresh_from_db()
    path = saved(award.certificate_pdf, tmp_path, "certificate")
    info = pdfinfo(path)
    assert info["Pages"] == "1" and re.match(r"841\.89 x 595\.2\d* pts", info["Page size"])  # A4 landscape
    text = plain(path)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM TẶNG BẰNG KHEN Hộ gia đình ông/bà Nguyễn Văn Học" in text
    assert "Thôn Một, Xã Hòa Bình" in text
    assert "phong trào thi đua “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời” năm 2024." in text
    assert "Quyết định số 12/QĐ-UBND ngày 15/01/2025" in text
    assert "Thử Nghiệm, ngày 15 tháng 01 năm 2025" in text
    assert "CHỦ TỊCH Lê Văn Ký" in text and "TM." not in text
    assert award.verification_code in text and "Quét mã để kiểm tra tính xác thực" in text
    assert "Số: 12/QĐ-UBND" not in text and "Nơi nhận" not in text  # not an administrative letter
    assert_inside_margins(path)


def test_certificate_prints_its_number_in_the_award_register(decided, tmp_path, approver, tree):
    award = decided["award"]
    issuer = register.issuing_body_for(tree["p1"])
    document = register.document_issue(kind=DocumentKind.CERTIFICATE, issuer=issuer, subject=award,
                                       date=datetime.date(2025, 1, 15), title="Bằng khen", by=approver)

    register.document_render(document_id=document.pk)

    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.READY
    text = plain(saved(document.pdf, tmp_path, "certificate-registered"))
    assert f"Số sổ vàng: {document.number}" in text and document.number == "01"
    assert "Quyết định số 12/QĐ-UBND ngày 15/01/2025" in text


def test_qr_code_encodes_the_public_verification_address(decided, settings):
    settings.PORTAL_PUBLIC_URL = "https://xhht.example.vn/"
    award = decided["award"]

    url = documents.verify_url(award)
    svg = documents.qr_svg(url)
    state = documents.state_for(DocumentKind.CERTIFICATE, award)

    assert url == f"https://xhht.example.vn/verify/{award.verification_code}/"
    assert svg.startswith("<svg") and "<path" in svg
    assert state.certificate.verify_url == url


# --- Minutes -------------------------------------------------------------------------------------------


def test_minutes_name_chair_secretary_attendance_and_count_without_any_ballot(decided, tmp_path):
    session = decided["session"]

    documents.session_render_minutes(session_id=session.pk)

    session.refresh_from_db()
    path = saved(session.minutes_pdf, tmp_path, "minutes")
    text = plain(path)
    assert "BIÊN BẢN" in text and "Số: 01/BB-HĐTĐKT" in text  # the council's register, not a row id
    assert "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG" in text
    assert "Chủ trì: Nguyễn Văn Thành viên 0, Chủ tịch Hội đồng." in text
    assert "Thư ký: Phan Thị Thu, Thư ký." in text
    assert "Thành viên có mặt (9/10):" in text and "Nguyễn Văn Thành viên 8, Ủy viên." in text
    assert "Thành viên vắng mặt (1/10): 1. Nguyễn Văn Thành viên 9, Ủy viên." in text
    assert "Thành viên không tham gia biểu quyết: không có." in text
    assert "tỷ lệ yêu cầu: từ 90% trở lên tổng số thành viên Hội đồng." in text
    item = AgendaItem.objects.get(session=session)
    counts = [r for p in (1, 2) for r in rows(read_lines(path), page=p) if r.startswith(f"{item.eligible} ")]
    assert counts == [f"{item.eligible} {item.votes_cast} {item.yes_count} {item.no_count} {item.abstain_count} "
                      "Thông qua"]
    assert "Thông qua đề nghị tặng" in text
    # Two signatures with names: the secretary on the left, the chair on the right.
    lines = read_lines(path)
    secretary = next(ln for ln in lines if ln.text == "THƯ KÝ")
    chair = next(ln for ln in lines if ln.text == "CHỦ TỌA")
    assert abs(secretary.top - chair.top) < 1 and secretary.right < chair.left
    names = [ln for ln in lines if ln.text in ("Phan Thị Thu", "Nguyễn Văn Thành viên 0") and ln.top > chair.top]
    assert len(names) == 2 and abs(names[0].top - names[1].top) < 1
    # Secret ballot: "Đồng ý" appears once, as the count's column heading — no member beside a choice.
    assert text.count("Đồng ý") == 1
    assert_inside_margins(path)


def test_minutes_name_each_recusal_on_its_item(tree, forms, named_council, officer, household, tmp_path):
    council, secretary, seats = named_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = run_session(council, secretary, [nomination], present=seats,
                          votes={s: "yes" for s in seats if s != seats[3]}, recused=[seats[3]])

    documents.session_render_minutes(session_id=session.pk)

    session.refresh_from_db()
    text = plain(saved(session.minutes_pdf, tmp_path, "minutes-recusal"))
    assert "Thành viên không tham gia biểu quyết: Nguyễn Văn Thành viên 3 (lý do: Người thân)." in text


def test_a_session_that_voted_on_nothing_attaches_no_minutes(decided):
    """Issue 12.6: closed without quorum, nothing was voted — no 0/N minutes goes into the dossiers."""
    session = decided["session"]
    AgendaItem.objects.filter(session=session).update(outcome=Outcome.NO_QUORUM, yes_count=0, votes_cast=0)

    documents.session_render_minutes(session_id=session.pk)

    session.refresh_from_db()
    assert not session.minutes_pdf


# --- Decision ------------------------------------------------------------------------------------------


def test_award_decision_in_the_decree_layout(decided, tmp_path):
    decision = decided["decision"]

    documents.decision_render(decision_id=decision.pk)

    decision.refresh_from_db()
    path = saved(decision.pdf, tmp_path, "decision")
    lines = read_lines(path)
    header = rows(lines, left_of=(31 + 74) * MM, above=60 * MM)
    assert header == ["ỦY BAN NHÂN DÂN", "TỈNH THỬ NGHIỆM", "Số: 12/QĐ-UBND"]
    text = plain(path)
    assert "Thử Nghiệm, ngày 15 tháng 01 năm 2025" in text
    assert "QUYẾT ĐỊNH Về việc tặng Bằng khen" in text
    authority = text.index("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM")
    assert authority < text.index("Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;") < text.index(
        "QUYẾT ĐỊNH:")
    # The căn cứ in force on the decision's date (NĐ 98/2023 until 30/06/2025), from the LegalBasis data.
    assert "Nghị định số 98/2023/NĐ-CP" in text and "152/2025" not in text
    assert all(ln.italic for ln in lines if ln.text.startswith("Căn cứ"))
    assert re.search(r"Điều 1\. Tặng Bằng khen .* cho Hộ gia đình ông/bà Nguyễn Văn Học \(Thôn Một, Xã Hòa Bình\), "
                     r"đã có thành tích xuất sắc", text)
    assert re.search(r"Điều 2\. Quyết định này có hiệu lực kể từ ngày ký\. Chánh Văn phòng Ủy ban nhân dân tỉnh, "
                     r"Giám đốc Sở Nội vụ, .* chịu trách nhiệm thi hành Quyết định này\.", text)
    assert "Điều 3." not in text  # no benefit data: no Điều 2 on money, the execution article follows
    assert "Nơi nhận: - Như Điều 2; - Lưu: VT, TĐKT." in text
    # The Chairman's own power: signed "CHỦ TỊCH", never under "TM. ỦY BAN NHÂN DÂN".
    assert "CHỦ TỊCH Lê Văn Ký" in text and "TM." not in text
    assert_inside_margins(path)


def test_a_deputy_signs_for_the_chairman(tree, forms, named_council, officer, household, approver, tmp_path):
    council, secretary, seats = named_council.values()
    nomination = nominate(officer, tree, forms, household)
    run_session(council, secretary, [nomination], present=seats, votes={s: "yes" for s in seats})
    decision = services.decision_issue(body=tree["p1"], nominations=[nomination], number="",
                                       date=datetime.date(2025, 1, 15), signer_name="Trần Phó",
                                       signer_title="Phó Chủ tịch", by=approver)

    documents.decision_render(decision_id=decision.pk)
    documents.award_render_certificate(award_id=decision.awards.get().pk)

    decision.refresh_from_db()
    text = plain(saved(decision.pdf, tmp_path, "decision-deputy"))
    assert "Số: 01/QĐ-UBND" in text  # numbered by the register when no paper number was given
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Trần Phó" in text and "TM." not in text
    certificate = plain(saved(decision.awards.get().certificate_pdf, tmp_path, "certificate-deputy"))
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Trần Phó" in certificate


def test_benefit_line_becomes_article_2_when_the_form_gives_it(decided, monkeypatch, tmp_path):
    monkeypatch.setattr(AwardForm, "benefit_text", "Kèm theo Bằng khen là tiền thưởng theo quy định.", raising=False)
    decision = decided["decision"]

    documents.decision_render(decision_id=decision.pk)

    decision.refresh_from_db()
    text = plain(saved(decision.pdf, tmp_path, "decision-benefit"))
    assert "Điều 2. Kèm theo Bằng khen là tiền thưởng theo quy định." in text
    assert "Điều 3. Quyết định này có hiệu lực" in text and "- Như Điều 3;" in text


def test_several_recipients_are_annexed(tree, forms, named_council, officer, approver, tmp_path):
    council, secretary, seats = named_council.values()
    households = [Household.objects.create(unit=tree["h1"], code=f"HB-{n}", head_name=f"Trần Văn {n}")
                  for n in range(4)]
    nominations = [nominate(officer, tree, forms, h) for h in households]
    run_session(council, secretary, nominations, present=seats, votes={s: "yes" for s in seats})
    decision = services.decision_issue(body=tree["p1"], nominations=nominations, number="13/QĐ-UBND",
                                       date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="",
                                       by=approver)

    documents.decision_render(decision_id=decision.pk)

    decision.refresh_from_db()
    path = saved(decision.pdf, tmp_path, "decision-annex")
    text = plain(path)
    assert "Điều 1. Tặng Bằng khen" in text and "cho 4 hộ gia đình (có danh sách kèm theo)" in text
    assert "PHỤ LỤC" in text and "Kèm theo Quyết định số 13/QĐ-UBND ngày 15/01/2025" in text
    assert "Hộ gia đình ông/bà Trần Văn 3" in text
    assert_inside_margins(path)


# --- Tờ trình and báo cáo thành tích -----------------------------------------------------------------------


def test_submission_is_issued_by_the_proposing_body_to_the_deciding_authority(decided, tmp_path):
    nomination = decided["nomination"]

    documents.nomination_render(nomination_id=nomination.pk, part="cover")

    nomination.refresh_from_db()
    path = saved(nomination.cover_pdf, tmp_path, "submission")
    header = rows(read_lines(path), left_of=(31 + 74) * MM, above=60 * MM)
    assert header == ["ỦY BAN NHÂN DÂN", "XÃ HÒA BÌNH", "Số: 01/TTr-UBND"]  # the commune's register, not a row id
    text = plain(path)
    assert "TỜ TRÌNH Về việc đề nghị tặng Bằng khen" in text
    # The level inside a body's name is a common noun: "… Ủy ban nhân dân tỉnh Thử Nghiệm" (it printed "Tỉnh").
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Thử Nghiệm" in text
    assert "Ủy ban nhân dân xã Hòa Bình kính trình Chủ tịch Ủy ban nhân dân tỉnh Thử Nghiệm xem xét, tặng" in text
    assert "Gia đình nhiều năm liền đạt danh hiệu Gia đình học tập." in text
    assert f"Hòa Bình, {vietnamese_date(timezone.localdate())}" in text
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text
    assert "VIỆT NAM kính trình" not in text and "THỦ TRƯỞNG CƠ QUAN" not in text and "ngày tháng năm" not in text
    assert "/TTr-TĐKT" not in text  # the former "<row id>/TTr-TĐKT"
    assert_inside_margins(path)


def test_the_register_pipeline_prints_the_same_submission_with_its_signer(decided, tmp_path):
    nomination = decided["nomination"]
    document = register.document_for(nomination, kind=DocumentKind.SUBMISSION)
    Document.objects.filter(pk=document.pk).update(capacity="TM.", principal="Ủy ban nhân dân",
                                                   signer_title="Chủ tịch", signer_name="Lê Văn Sơn")

    register.document_render(document_id=document.pk)

    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.READY
    text = plain(saved(document.pdf, tmp_path, "submission-registered"))
    assert f"Số: {document.number}" in text and "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Thử Nghiệm" in text
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH Lê Văn Sơn" in text


def test_achievement_report_of_the_proposer(decided, tmp_path):
    nomination = decided["nomination"]
    type(nomination).objects.filter(pk=nomination.pk).update(
        achievement_summary="Gia đình nhiều năm liền đạt danh hiệu Gia đình học tập.\n<script>x</script> & hơn thế")

    documents.nomination_render(nomination_id=nomination.pk, part="report")

    nomination.refresh_from_db()
    path = saved(nomination.report_pdf, tmp_path, "achievement-report")
    text = plain(path)
    assert "BÁO CÁO THÀNH TÍCH Đề nghị tặng Bằng khen" in text
    header = rows(read_lines(path), left_of=(31 + 74) * MM, above=60 * MM)
    assert header[:2] == ["ỦY BAN NHÂN DÂN", "XÃ HÒA BÌNH"]
    assert re.fullmatch(r"Số:\s{3,}/BC-UBND", header[2])  # not registered yet: a blank for the pen
    assert "II. THÀNH TÍCH ĐẠT ĐƯỢC Gia đình nhiều năm liền đạt danh hiệu Gia đình học tập." in text
    assert "<script>x</script> & hơn thế" in text  # user text printed as text
    assert_inside_margins(path)


def test_no_html_is_built_in_python_strings():
    source = inspect.getsource(documents)
    assert not re.search(r"<(p|h3|table|tr|td|li|ul|strong|div)\b", source)


def test_giay_khen_of_the_commune_chairman(tree, forms, named_council, officer, household, tmp_path):
    """Giấy khen is the commune chairman's own (Luật TĐKT 2022): his decision and his certificate, issued
    in the commune's register — never the province's."""
    from tests import factories as f
    from units.roles import Role

    chairman = f.member(tree["c1"], Role.APPROVER, username="chu-tich-xa")
    nomination = nominate(officer, tree, forms, household, form="giay-khen")
    services.nomination_appraise(nomination=nomination, by=chairman)
    decision = services.decision_issue(body=tree["c1"], nominations=[nomination], number="",
                                       date=datetime.date(2025, 2, 3), signer_name="Hồ Văn Xã", signer_title="",
                                       by=chairman)
    award = decision.awards.get()

    documents.decision_render(decision_id=decision.pk)
    documents.award_render_certificate(award_id=award.pk)

    decision.refresh_from_db()
    award.refresh_from_db()
    text = plain(saved(decision.pdf, tmp_path, "decision-giay-khen"))
    assert "Số: 01/QĐ-UBND" in text and "Hòa Bình, ngày 03 tháng 02 năm 2025" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ HÒA BÌNH Căn cứ" in text
    assert "Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã, Thủ trưởng" in text
    certificate = saved(award.certificate_pdf, tmp_path, "certificate-giay-khen")
    text = plain(certificate)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ HÒA BÌNH TẶNG GIẤY KHEN" in text
    assert "Số: 01" in text and "Số sổ vàng" not in text
    assert "CHỦ TỊCH Hồ Văn Xã" in text and "TỈNH THỬ NGHIỆM" not in text
    assert_inside_margins(certificate)
