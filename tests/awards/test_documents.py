"""The dossier, minutes, decision and certificate render as real PDFs in the state format."""

import datetime
import subprocess

import pytest

from awards import documents, services
from awards.models import Award
from tests.awards.conftest import nominate, run_session

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


@pytest.fixture
def decided(tree, forms, province_council, officer, household, approver):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = run_session(council, secretary, [nomination], present=seats, votes={s: "yes" for s in seats})
    decision = services.decision_issue(body=tree["p1"], nominations=[nomination], number="12/QĐ-UBND",
                                       date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="",
                                       by=approver)
    return {"nomination": nomination, "session": session, "decision": decision, "award": Award.objects.get()}


def test_certificate_carries_the_recipient_decision_and_verification_code(decided):
    award = decided["award"]

    documents.award_render_certificate(award_id=award.pk)

    award.refresh_from_db()
    data = award.certificate_pdf.read()
    text = pdf_text(data)
    assert data.startswith(b"%PDF-")
    assert "BẰNG KHEN" in text
    assert "Hộ gia đình ông/bà Nguyễn Văn Học" in text
    assert "12/QĐ-UBND" in text and "15/01/2025" in text
    assert award.verification_code in text
    assert "Quét mã để kiểm tra tính xác thực" in text


def test_qr_code_encodes_the_public_verification_address(decided, settings):
    settings.PORTAL_PUBLIC_URL = "https://xhht.example.vn/"
    award = decided["award"]

    url = documents.verify_url(award)
    svg = documents.qr_svg(url)

    assert url == f"https://xhht.example.vn/verify/{award.verification_code}/"
    assert svg.startswith("<svg") and "<path" in svg


def test_minutes_show_aggregates_only(decided):
    session = decided["session"]

    documents.session_render_minutes(session_id=session.pk)

    session.refresh_from_db()
    text = pdf_text(session.minutes_pdf.read())
    assert "BIÊN BẢN" in text
    assert "Thành viên có mặt: 10/10" in text
    assert "Thông qua" in text
    for seat in decided["session"].council.members.all():
        assert seat.user.username not in text


def test_decision_and_dossier_render(decided):
    decision, nomination = decided["decision"], decided["nomination"]

    documents.decision_render(decision_id=decision.pk)
    documents.nomination_render(nomination_id=nomination.pk, part="cover")
    documents.nomination_render(nomination_id=nomination.pk, part="report")

    decision.refresh_from_db()
    nomination.refresh_from_db()
    assert "QUYẾT ĐỊNH" in pdf_text(decision.pdf.read())
    assert "TỜ TRÌNH" in pdf_text(nomination.cover_pdf.read())
    assert "Gia đình nhiều năm liền" in pdf_text(nomination.report_pdf.read())
