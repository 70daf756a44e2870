"""Pages and the API: scoped, refusals change nothing, query counts do not grow with rows, no ballot leaks."""

import datetime

import pytest

from awards import services
from awards.models import Award, Nomination, ReviewSession, VoterRoll
from core.documents.models import Document
from tests import factories as f
from tests.awards.conftest import nominate, run_session
from units.models import Household
from units.roles import Role

pytestmark = pytest.mark.django_db


def households(tree, n, start=0):
    return [Household.objects.create(unit=tree["h1"], code=f"HB-{start + i:03d}", head_name=f"Hộ {start + i}")
            for i in range(n)]


@pytest.fixture
def awarded(tree, forms, province_council, officer, household, approver):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    run_session(council, secretary, [nomination], present=seats, votes={s: "yes" for s in seats})
    services.decision_issue(body=tree["p1"], nominations=[nomination], number="12/QĐ-UBND",
                            date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="Chủ tịch",
                            by=approver)
    return Award.objects.get()


# --- API ---


def test_award_forms_are_listed(api_client, officer, forms):
    api_client.force_authenticate(officer)

    body = api_client.get("/api/v1/award-forms/").json()

    assert [row["slug"] for row in body["results"]] == ["bang-khen-thu-tuong", "bang-khen-bo", "bang-khen-tinh",
                                                       "bang-khen-trung-uong", "giay-khen"]


def test_nominations_are_scoped_and_filtered(api_client, tree, forms, province_council, officer, household):
    nomination = nominate(officer, tree, forms, household)
    stranger = f.member(tree["c2"], Role.OFFICER)
    member = province_council["seats"][0].user

    api_client.force_authenticate(stranger)
    assert api_client.get("/api/v1/nominations/").json()["count"] == 0
    assert api_client.get(f"/api/v1/nominations/{nomination.pk}/").status_code == 404

    api_client.force_authenticate(member)
    assert api_client.get("/api/v1/nominations/").json()["count"] == 1
    assert api_client.get(f"/api/v1/nominations/?unit={tree['c1'].pk}&occasion=yearly&status=submitted"
                          ).json()["count"] == 1
    assert api_client.get(f"/api/v1/nominations/?unit={tree['c2'].pk}").json()["count"] == 0
    assert api_client.get("/api/v1/nominations/?status=awarded").json()["count"] == 0
    assert api_client.get("/api/v1/nominations/?status=nonsense").status_code == 400


def test_nomination_results_are_aggregates_and_never_ballots(api_client, awarded, officer):
    api_client.force_authenticate(officer)

    row = api_client.get(f"/api/v1/nominations/{awarded.nomination_id}/").json()

    assert row["status"] == "awarded"
    result = row["results"][0]
    assert (result["yes_count"], result["members_total"], result["outcome"]) == (10, 10, "passed")
    assert set(result) == {"session", "held_on", "council", "members_total", "present", "recused", "eligible",
                           "votes_cast", "yes_count", "no_count", "abstain_count", "threshold_percent",
                           "threshold_base", "threshold_inclusive", "secret", "outcome"}
    assert not [key for key in row if any(word in key for word in ("voter", "ballot", "choice", "user"))]


def test_nominations_list_query_count_does_not_grow(api_client, tree, forms, province_council, officer,
                                                     django_assert_max_num_queries):
    api_client.force_authenticate(province_council["secretary"])
    for household in households(tree, 2):
        nominate(officer, tree, forms, household)
    with django_assert_max_num_queries(8) as few:
        api_client.get("/api/v1/nominations/")
    for household in households(tree, 8, start=10):
        nominate(officer, tree, forms, household)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_client.get("/api/v1/nominations/")

    assert response.json()["count"] == 10


def test_decisions_are_scoped(api_client, awarded, tree, officer):
    api_client.force_authenticate(officer)
    rows = api_client.get("/api/v1/decisions/").json()["results"]
    assert [(r["number"], r["awards"][0]["recipient_name"]) for r in rows] == [
        ("12/QĐ-UBND", "Hộ gia đình ông/bà Nguyễn Văn Học")]

    api_client.force_authenticate(f.member(tree["p2"], Role.VIEWER))
    assert api_client.get("/api/v1/decisions/").json()["count"] == 0


def test_schema_lists_the_award_endpoints(api_client, officer):
    api_client.force_authenticate(officer)

    schema = api_client.get("/api/v1/schema/?format=json").json()

    assert {"/api/v1/award-forms/", "/api/v1/nominations/", "/api/v1/decisions/"} <= set(schema["paths"])
    assert not [p for p in schema["paths"] if "ballot" in p]


# --- Pages ---


def test_officer_nominates_through_the_page(client, tree, forms, province_council, officer, household):
    client.force_login(officer)

    response = client.post("/awards/nominations/new/", {
        "proposer_unit": tree["c1"].pk, "form": forms["giay-khen"].pk, "occasion": "yearly", "year": 2024,
        "subject_kind": "household", "household_code": "HB-001", "achievement_summary": "Học tập tốt.",
    })

    nomination = Nomination.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/awards/nominations/{nomination.pk}/"
    assert nomination.household == household


def test_the_page_shows_the_one_achievement_refusal_and_changes_nothing(
        client, tree, forms, province_council, officer, household):
    nominate(officer, tree, forms, household)
    client.force_login(officer)

    response = client.post("/awards/nominations/new/", {
        "proposer_unit": tree["c1"].pk, "form": forms["giay-khen"].pk, "occasion": "yearly", "year": 2024,
        "subject_kind": "household", "household_code": "HB-001", "achievement_summary": "Lần hai.",
    })

    assert response.status_code == 200
    assert "không đề nghị hai lần cho cùng một thành tích" in response.content.decode()
    assert Nomination.objects.count() == 1


def test_a_household_outside_the_officers_commune_is_not_found_by_the_form(client, tree, forms, province_council,
                                                                           officer):
    Household.objects.create(unit=tree["h2"], code="DH-001", head_name="Hộ Đông Hà")
    client.force_login(officer)

    response = client.post("/awards/nominations/new/", {
        "proposer_unit": tree["c1"].pk, "form": forms["giay-khen"].pk, "occasion": "yearly", "year": 2024,
        "subject_kind": "household", "household_code": "DH-001", "achievement_summary": "x",
    })

    assert "Không tìm thấy hộ gia đình có mã này trong đơn vị." in response.content.decode()
    assert Nomination.objects.count() == 0


def test_nomination_page_of_another_commune_is_not_found(client, tree, forms, province_council, officer, household):
    nomination = nominate(officer, tree, forms, household)
    client.force_login(f.member(tree["c2"], Role.OFFICER))

    assert client.get(f"/awards/nominations/{nomination.pk}/").status_code == 404


def test_nomination_list_page_query_count_does_not_grow(client, tree, forms, province_council, officer,
                                                        django_assert_max_num_queries):
    client.force_login(officer)
    nominate(officer, tree, forms, households(tree, 1)[0])
    with django_assert_max_num_queries(20) as few:
        client.get("/awards/")
    for household in households(tree, 6, start=10):
        nominate(officer, tree, forms, household)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/awards/")

    assert response.content.decode().count("/awards/nominations/") >= 7


def test_a_member_votes_on_the_page_and_the_page_never_shows_the_choice(client, tree, forms, province_council,
                                                                         officer, household):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats, by=secretary)
    services.session_open(session=session, by=secretary)
    client.force_login(seats[0].user)

    response = client.post(f"/awards/sessions/{session.pk}/vote/", {"nomination": nomination.pk, "choice": "no"},
                           follow=True)

    page = response.content.decode()
    assert "Bạn đã bỏ phiếu cho đề nghị này." in page
    assert "Không đồng ý" not in page  # no echo of the choice
    assert VoterRoll.objects.filter(member=seats[0]).count() == 1


def test_a_non_member_cannot_open_the_voting_page(client, tree, forms, province_council, officer, household):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    viewer = f.member(tree["p1"], Role.VIEWER)
    client.force_login(viewer)

    response = client.post(f"/awards/sessions/{session.pk}/vote/", {"nomination": nomination.pk, "choice": "yes"})

    assert response.status_code == 403
    assert "Bạn không phải thành viên có quyền biểu quyết" in response.content.decode()
    assert VoterRoll.objects.count() == 0


def test_a_member_cannot_close_the_session_from_the_page(client, tree, forms, province_council, officer, household):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    client.force_login(seats[0].user)

    response = client.post(f"/awards/sessions/{session.pk}/open/")

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.status == ReviewSession.Status.PLANNED


def test_certificate_downloads_and_verifies_publicly(client, awarded, officer, django_capture_on_commit_callbacks):
    client.force_login(officer)
    # The services queued the renders on commit, which the test's transaction never reaches.
    Document.objects.update(render_status=Document.RenderStatus.NONE)
    # A GET never queues (it used to): it shows the status and a POST button; the POST queues the render of
    # the certificate's register document after commit (here, the test's transaction); then it is served.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        first = client.get(f"/awards/awards/{awarded.pk}/certificate.pdf")
    assert first.status_code == 202 and queued == [] and "Tạo tệp PDF" in first.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        posted = client.post(f"/awards/awards/{awarded.pk}/certificate.pdf")
    assert posted.status_code == 302 and len(queued) == 1
    response = client.get(f"/awards/awards/{awarded.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()

    page = client.get(f"/verify/{awarded.verification_code}/")

    text = page.content.decode()
    assert page.status_code == 200
    for shown in ("Hộ gia đình ông/bà Nguyễn Văn Học", "Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh", "12/QĐ-UBND",
                  "15/01/2025"):
        assert shown in text
    for hidden in ("Thôn Một", "HB-001", "Lê Văn Ký", "Xã Hòa Bình"):
        assert hidden not in text


def test_unknown_verification_code_is_not_found(client, awarded):
    response = client.get("/verify/khong-co-ma-nay/")

    assert response.status_code == 404
    assert "Không tìm thấy bằng khen" in response.content.decode()


def test_certificate_of_another_province_is_not_found(client, awarded, tree):
    client.force_login(f.member(tree["p2"], Role.OFFICER))

    assert client.get(f"/awards/awards/{awarded.pk}/certificate.pdf").status_code == 404
