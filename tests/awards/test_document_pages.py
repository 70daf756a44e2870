"""The award pages hand out the register's documents (issue 12): a GET serves the PDF of the current content
(attachment, nosniff) or shows the status with a POST button — it never queues a render (it used to, and it
served per-object files); the POST records an act that predates the register and queues it; out of scope
is 404 on GET and POST alike."""

import datetime

import pytest

from awards import services
from awards.models import Award, Nomination, ReviewSession
from core.documents.models import Document, DocumentKind
from tests import factories as f
from tests.awards.conftest import nominate, run_session
from units.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded(tree, forms, province_council, officer, household, approver):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    run_session(council, secretary, [nomination], present=seats, votes={s: "yes" for s in seats})
    services.decision_issue(body=tree["p1"], nominations=[nomination], number="12/QĐ-UBND",
                            date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="Chủ tịch",
                            by=approver)
    # The renders queued by the services ran on commit, which a test's transaction never reaches: start
    # from documents with no file yet.
    Document.objects.update(render_status=Document.RenderStatus.NONE)
    return Award.objects.get()


def pages(award):
    nomination = award.nomination
    session = ReviewSession.objects.get()
    return {
        DocumentKind.SUBMISSION: (f"/awards/nominations/{nomination.pk}/cover.pdf", nomination),
        DocumentKind.ACHIEVEMENT_REPORT: (f"/awards/nominations/{nomination.pk}/report.pdf", nomination),
        DocumentKind.MINUTES: (f"/awards/sessions/{session.pk}/minutes.pdf", session),
        DocumentKind.AWARD_DECISION: (f"/awards/decisions/{award.decision_id}/pdf/", award.decision),
        DocumentKind.CERTIFICATE: (f"/awards/awards/{award.pk}/certificate.pdf", award),
    }


def live(kind, subject):
    from core.documents.services import document_for

    return document_for(subject, kind=kind)


@pytest.mark.parametrize("kind", [DocumentKind.SUBMISSION, DocumentKind.ACHIEVEMENT_REPORT, DocumentKind.MINUTES,
                                  DocumentKind.AWARD_DECISION, DocumentKind.CERTIFICATE])
def test_get_shows_the_status_post_queues_then_get_serves_the_register_pdf(
        client, awarded, approver, kind, django_capture_on_commit_callbacks):
    url, subject = pages(awarded)[kind]
    client.force_login(approver)  # the province's approver reads all five (the commune's officer not the minutes)
    before = Document.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        waiting = client.get(url)
    assert waiting.status_code == 202 and queued == [], kind
    assert '<form method="post"' in waiting.content.decode() and "Tạo tệp PDF" in waiting.content.decode()
    assert Document.objects.count() == before  # a GET records nothing either
    with django_capture_on_commit_callbacks(execute=True) as queued:
        posted = client.post(url)
    assert posted.status_code == 302 and posted["Location"] == url and len(queued) == 1
    document = live(kind, subject)
    assert document is not None and document.render_status == "ready"
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;") and served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == document.pdf.open("rb").read()


def test_the_achievement_report_and_an_old_decision_are_recorded_on_post(
        client, awarded, officer, django_capture_on_commit_callbacks):
    decision = awarded.decision
    Document.objects.filter(kind=DocumentKind.AWARD_DECISION).delete()  # a decision from before the register
    client.force_login(officer)
    url = pages(awarded)[DocumentKind.AWARD_DECISION][0]
    assert "chưa được ghi vào sổ văn bản" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    document = live(DocumentKind.AWARD_DECISION, decision)
    assert (document.number, document.external, document.seq, document.date) == (
        "12/QĐ-UBND", True, None, datetime.date(2025, 1, 15))
    nomination = awarded.nomination
    assert live(DocumentKind.ACHIEVEMENT_REPORT, nomination) is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(pages(awarded)[DocumentKind.ACHIEVEMENT_REPORT][0])
    report = live(DocumentKind.ACHIEVEMENT_REPORT, nomination)
    assert report.issuer.unit == nomination.proposer_unit and report.number.endswith("/BC-UBND")
    with django_capture_on_commit_callbacks(execute=True) as queued:  # a second POST changes nothing
        client.post(pages(awarded)[DocumentKind.ACHIEVEMENT_REPORT][0])
    assert queued == [] and Document.objects.filter(kind=DocumentKind.ACHIEVEMENT_REPORT).count() == 1


def test_a_changed_dossier_is_not_served_from_its_old_file(client, awarded, officer,
                                                         django_capture_on_commit_callbacks):
    url, nomination = pages(awarded)[DocumentKind.SUBMISSION]
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert client.get(url).status_code == 200
    Nomination.objects.filter(pk=nomination.pk).update(achievement_summary="Thành tích đã bổ sung sau khi trả lại.")
    stale = client.get(url)
    assert stale.status_code == 202 and "Nội dung đã thay đổi" in stale.content.decode()


def test_pages_out_of_scope_are_404_on_get_and_post(client, awarded, tree, django_capture_on_commit_callbacks):
    client.force_login(f.member(tree["p2"], Role.OFFICER))
    before = list(Document.objects.values_list("pk", "render_status"))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        for url, _subject in pages(awarded).values():
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url
    assert queued == [] and list(Document.objects.values_list("pk", "render_status")) == before


def test_a_unit_that_is_the_subject_is_placed_by_the_unit_above_not_its_own_name_again(tree):
    from awards.documents import _sentence_case_level, _subject_place

    school = tree["s1"]
    # Before: "Trường … (Trường …)" on the certificate, the decision and the tờ trình.
    assert _subject_place(school, school.name) == school.parent.name != school.name
    assert _subject_place(tree["h1"], "Hộ gia đình ông/bà Nguyễn Văn Học") == f"{tree['h1'].name}, {tree['c1'].name}"
    assert _sentence_case_level("Ủy ban nhân dân Phường Thành Sen") == "Ủy ban nhân dân phường Thành Sen"
    assert _sentence_case_level("Ủy ban nhân dân Tỉnh Hà Tĩnh") == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert _sentence_case_level("Thủ tướng Chính phủ") == "Thủ tướng Chính phủ"
