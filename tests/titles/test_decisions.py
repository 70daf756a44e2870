"""Issue 12 point 4, A: every title approval, single or from a yearly list, is a recognition decision in the
register of the recognising body ("01/QĐ-UBND" of UBND xã Hòa Bình), printed in the decree's decision
layout with the list annexed, downloadable from the pages and the API (never queued by a GET); a revoked
recognition says so and names the revoking act."""

import datetime
import subprocess

import pytest
from django.urls import reverse

from core.documents import builders
from core.documents.models import Document, DocumentKind, RegisterCounter
from core.documents.selectors import documents_visible_to
from core.errors import DomainError
from tests import factories as f
from titles import services
from titles.documents import decision_document
from titles.models import Decision, Recognition
from units.models import Citizen, Clan, Household
from units.roles import Role

from .conftest import LAST_YEAR
from .helpers import approve, decision_day, submitted_evaluation

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
                          ).stdout.decode()


def test_a_single_approval_is_a_decision_numbered_in_the_recognising_bodys_register(tree, people, catalogue):
    first = approve(submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"],
                                         LAST_YEAR), people["commune_approver"])
    school = f.organisation(tree["c1"], name="Trường Mầm non Hòa Bình")
    second = approve(submitted_evaluation(catalogue["don-vi-hoc-tap"], school, people["commune_officer"], LAST_YEAR),
                     people["commune_approver"], signed_as="deputy")
    documents = [decision_document(first.decision), decision_document(second.decision)]
    assert [d.number for d in documents] == ["01/QĐ-UBND", "02/QĐ-UBND"]
    assert [r.decision.number for r in (first, second)] == ["01/QĐ-UBND", "02/QĐ-UBND"]
    assert {d.issuer.name for d in documents} == {"Ủy ban nhân dân xã Hòa Bình"}
    assert all(d.kind == DocumentKind.TITLE_DECISION and d.year == decision_day(LAST_YEAR).year for d in documents)
    # The head signs for the collective body; a deputy signs for the head (KT.), under TM. added by the register.
    assert (documents[0].capacity, documents[0].principal, documents[0].signer_title) == (
        "TM.", "Ủy ban nhân dân", "Chủ tịch")
    assert (documents[1].capacity, documents[1].principal, documents[1].signer_title) == ("KT.", "Chủ tịch",
                                                                                          "Phó Chủ tịch")
    assert builders.authority_lines(documents[1]) == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")


def test_the_decision_prints_authority_line_legal_bases_articles_and_the_subject(tree, people, catalogue):
    recognition = approve(submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["u1"], people["university_officer"],
                                               LAST_YEAR), people["province_approver"], signed_as="deputy")
    state = builders.state_document(decision_document(recognition.decision))
    assert state.kind == "decision" and state.type_label == "QUYẾT ĐỊNH"
    assert state.number == "01/QĐ-SGDĐT"
    assert state.authority_line == "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH THỬ NGHIỆM"
    assert state.title == "Về việc công nhận danh hiệu “Đơn vị học tập” mức độ 1 năm " + str(LAST_YEAR)
    # TT 24/2023 for a unit the province manages; no local government law for a Sở (not a People's Committee).
    assert any("24/2023/TT-BGDĐT" in b for b in state.legal_bases)
    assert not any("448/QĐ-KHVN" in b or "chính quyền địa phương" in b for b in state.legal_bases)
    assert "Trường Đại học Thử Nghiệm" in state.articles[0]
    assert state.considering[0].startswith("Xét hồ sơ tự đánh giá danh hiệu “Đơn vị học tập”")
    assert "Thời hạn công nhận" in state.articles[1]
    assert state.articles[-1].endswith("chịu trách nhiệm thi hành Quyết định này./.</p>")
    assert state.signature.authority_lines == ("KT. GIÁM ĐỐC",)
    assert (state.signature.signer_title, state.signature.signer_name) == ("Phó Giám đốc", "Nguyễn Văn Ký")
    assert state.recipients == ("Như Điều 3", "Lưu: VT")


@pytest.fixture
def household_list(tree, catalogue):
    officer = f.member(tree["c1"], Role.OFFICER)
    households = [Household.objects.create(unit=tree["h1"], code=f"HB-{i:03d}", head_name=f"Nguyễn Văn Hộ {i}")
                  for i in range(1, 7)]
    evaluation_list = services.evaluation_list_open(commune=tree["c1"], title_type=catalogue["gia-dinh-hoc-tap"],
                                                    year=LAST_YEAR, by=officer)
    for i, household in enumerate(households):
        evaluation_list.entries.create(hamlet=tree["h1"], household=household, passed=i != 5)
    return evaluation_list


def test_a_list_is_recognised_by_one_decision_with_the_list_annexed(household_list, people, tree):
    decision = services.evaluation_list_recognise(evaluation_list=household_list, by=people["commune_approver"],
                                                  decision_date=decision_day(LAST_YEAR), signer="Trần Văn Chủ")
    document = decision_document(decision)
    assert document.number == decision.number == "01/QĐ-UBND"
    state = builders.state_document(document)
    assert state.authority_line == "ỦY BAN NHÂN DÂN XÃ HÒA BÌNH"
    assert any("448/QĐ-KHVN" in b for b in state.legal_bases)
    assert any("chính quyền địa phương" in b for b in state.legal_bases)
    assert "đối với 5 hộ gia đình (có danh sách kèm theo)" in state.articles[0]
    assert state.considering == (
        f"Xét danh sách bình xét danh hiệu “Gia đình học tập” năm {LAST_YEAR} của Xã Hòa Bình và kết quả thẩm định.",)
    (annex,) = state.annexes
    assert "Kèm theo Quyết định số 01/QĐ-UBND" in annex.title
    assert [row[1] for row in annex.table.rows] == [f"Hộ ông/bà Nguyễn Văn Hộ {i}" for i in range(1, 6)]
    assert Recognition.objects.filter(decision=decision).count() == 5


def test_the_list_page_links_its_decision(client, household_list, people):
    decision = services.evaluation_list_recognise(evaluation_list=household_list, by=people["commune_approver"],
                                                  decision_date=decision_day(LAST_YEAR), signer="Trần Văn Chủ")
    client.force_login(people["commune_officer"])
    page = client.get(reverse("titles:list", args=[household_list.pk])).content.decode()
    assert "Quyết định số 01/QĐ-UBND" in page
    assert reverse("titles:decision_pdf", args=[decision.pk]) in page


def test_a_refused_approval_takes_no_number_from_the_register(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    with pytest.raises(DomainError, match="Cần nhập họ tên người ký"):
        services.evaluation_approve(evaluation=evaluation, by=people["commune_approver"], criteria_set_version=1,
                                    level=1, decision_date=decision_day(LAST_YEAR), signer=" ")
    assert not Document.objects.exists() and not Decision.objects.exists()
    assert not RegisterCounter.objects.filter(last_seq__gt=0).exists()
    assert approve(evaluation, people["commune_approver"]).decision.number == "01/QĐ-UBND"


def test_the_subject_reads_the_decision_issued_above_it(tree, people, catalogue):
    recognition = approve(submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["u1"], people["university_officer"],
                                               LAST_YEAR), people["province_approver"])
    document = decision_document(recognition.decision)
    assert documents_visible_to(people["university_officer"]).filter(pk=document.pk).exists()
    assert not documents_visible_to(people["other_province_approver"]).filter(pk=document.pk).exists()


def test_the_decision_pdf_is_made_on_commit_and_downloaded_from_the_page_and_the_api(
        client, api_client, tree, people, catalogue, django_capture_on_commit_callbacks):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        recognition = approve(evaluation, people["commune_approver"])
    document = decision_document(recognition.decision)
    assert document.render_status == Document.RenderStatus.QUEUED and len(queued) == 1

    # Before the worker ran: the page and the API say so (202) and queue nothing (a GET).
    client.force_login(people["school_officer"])
    url = reverse("titles:decision_pdf", args=[recognition.decision_id])
    with django_capture_on_commit_callbacks(execute=False) as during_get:
        assert client.get(url).status_code == 202
    assert during_get == []
    api_client.force_authenticate(people["school_officer"])
    api_url = f"/api/v1/recognitions/{recognition.pk}/decision-pdf/"
    assert api_client.get(api_url).json()["render_status"] == "queued"

    queued[0]()  # the worker: eager Celery renders it now
    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.READY
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "quyet-dinh-01-qd-ubnd.pdf" in response[
        "Content-Disposition"]
    text = pdf_text(b"".join(response.streaming_content))
    for expected in ("ỦY BAN NHÂN DÂN", "XÃ HÒA BÌNH", "Số: 01/QĐ-UBND", "QUYẾT ĐỊNH", "ỦY BAN NHÂN DÂN XÃ HÒA BÌNH",
                     "Trường Tiểu học Hòa Bình", "Điều 1.", "Điều 3.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH",
                     "Nguyễn Văn Ký", "Nơi nhận:"):
        assert expected in text, expected
    api = api_client.get(api_url)
    assert api.status_code == 200 and pdf_text(b"".join(api.streaming_content)) == text
    listed = api_client.get("/api/v1/recognitions/").json()["results"][0]["decision_document"]
    assert (listed["number"], listed["issuer"], listed["render_status"]) == (
        "01/QĐ-UBND", "Ủy ban nhân dân xã Hòa Bình", "ready")
    assert listed["pdf"].endswith(api_url)

    # Someone outside every scope of the decision: the same 404 as a missing one, page and API.
    client.force_login(people["other_province_approver"])
    assert client.get(url).status_code == 404
    api_client.force_authenticate(people["other_province_approver"])
    assert api_client.get(api_url).status_code == 404


def test_a_failed_render_is_asked_again_only_by_a_post(client, tree, people, catalogue,
                                                       django_capture_on_commit_callbacks):
    recognition = approve(submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"],
                                               LAST_YEAR), people["commune_approver"])
    document = decision_document(recognition.decision)
    Document.objects.filter(pk=document.pk).update(render_status=Document.RenderStatus.FAILED)
    client.force_login(people["commune_approver"])
    url = reverse("titles:decision_pdf", args=[recognition.decision_id])
    assert "Tạo tệp PDF" in client.get(url).content.decode()
    assert Document.objects.get(pk=document.pk).render_status == Document.RenderStatus.FAILED
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(url)
    assert len(queued) == 1
    assert Document.objects.get(pk=document.pk).render_status == Document.RenderStatus.QUEUED


def test_a_revoked_recognition_names_the_revoking_act_on_its_page_and_in_the_api(client, api_client, tree, people,
                                                                                 catalogue):
    recognition = approve(submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"],
                                               LAST_YEAR), people["commune_approver"])
    client.force_login(people["commune_approver"])
    url = reverse("titles:recognition", args=[recognition.pk])
    response = client.post(url, {"reason": "Hồ sơ không trung thực", "act": ""}, follow=True)
    assert "Cần nhập số, ngày văn bản thu hồi." in [str(m) for m in response.context["messages"]]
    assert Recognition.objects.get(pk=recognition.pk).revoked_at is None
    client.post(url, {"reason": "Hồ sơ không trung thực", "act": "Quyết định số 05/QĐ-UBND ngày 02/3/2026"})
    page = client.get(url).content.decode()
    assert "Thu hồi theo Quyết định số 05/QĐ-UBND ngày 02/3/2026" in page
    api_client.force_authenticate(people["school_officer"])
    item = api_client.get(f"/api/v1/recognitions/{recognition.pk}/").json()
    assert (item["revoked"], item["revoked_act"]) == (True, "Quyết định số 05/QĐ-UBND ngày 02/3/2026")
    # The decision itself stays an issued act of the register: it recognised others too, or was true when issued.
    assert decision_document(recognition.decision).status == Document.Status.ISSUED


def test_a_decision_date_after_today_is_refused_before_anything_is_numbered(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    with pytest.raises(DomainError, match="Ngày quyết định không được sau ngày hôm nay."):
        approve(evaluation, people["commune_approver"], day=datetime.date.today() + datetime.timedelta(days=1))
    assert not Document.objects.exists() and not RegisterCounter.objects.filter(last_seq__gt=0).exists()


@pytest.mark.parametrize(("slug", "make", "expected"), [
    ("dong-ho-hoc-tap", lambda h, i: {"clan": Clan.objects.create(unit=h, name=f"Họ Nguyễn {i}")},
     "Dòng họ Họ Nguyễn 1 (Thôn Một)"),
    ("cong-dan-hoc-tap", lambda h, i: {"citizen": Citizen.objects.create(unit=h, full_name=f"Lê Thị Học {i}",
                                                                         birth_year=1980 + i)},
     "Lê Thị Học 1 (1981) (Thôn Một)"),
    ("cong-dong-hoc-tap-thon", lambda h, i: {}, "Thôn Một (Xã Hòa Bình)"),
])
def test_each_kind_of_subject_is_named_in_article_1(tree, people, catalogue, slug, make, expected):
    evaluation_list = services.evaluation_list_open(commune=tree["c1"], title_type=catalogue[slug], year=LAST_YEAR,
                                                    by=people["commune_officer"])
    evaluation_list.entries.create(hamlet=tree["h1"], passed=True, **make(tree["h1"], 1))
    decision = services.evaluation_list_recognise(evaluation_list=evaluation_list, by=people["commune_approver"],
                                                  decision_date=decision_day(LAST_YEAR), signer="Trần Văn Chủ")
    state = builders.state_document(decision_document(decision))
    assert expected in state.articles[0] and not state.annexes
