"""Issue 12.3 (award forms and authorities as data, routing to the deciding body, legal thresholds, phases),
12.5 (the public verify page, annulment, PORTAL_PUBLIC_URL) and 12.6 (no minutes for a vote that never was)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from awards import conf, services
from awards.models import (
    AgendaItem,
    Award,
    AwardForm,
    DecidingPower,
    Decision,
    NominationStatus,
    Outcome,
    ReviewSession,
)
from core.errors import DomainError, PermissionDenied
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
    return Award.objects.get()


# --- 12.3: the law as data -----------------------------------------------------------------------


def test_the_seeded_forms_name_their_authorities_and_giay_khen_is_not_the_provinces(forms):
    authorities = {slug: form.authorities for slug, form in forms.items()}

    assert authorities["giay-khen"] == ["agency_head", "commune_chair", "enterprise_head"]
    assert authorities["bang-khen-tinh"] == ["province_chair"]
    assert authorities["bang-khen-bo"] == ["minister"]
    assert authorities["bang-khen-thu-tuong"] == ["prime_minister"]
    assert "Điều 80" in forms["giay-khen"].legal_basis
    assert all(f.legal_threshold_percent is None for f in forms.values())  # no supermajority on any Bằng khen
    assert "bang-khen-bo-tinh" not in forms


def test_a_deciding_power_the_form_does_not_allow_is_refused(tree, forms):
    power = DecidingPower(body=tree["p1"], form=forms["giay-khen"], authority="province_chair")

    with pytest.raises(ValidationError) as err:
        power.full_clean()

    assert err.value.message_dict["authority"] == ["“Giấy khen” không do “Chủ tịch Ủy ban nhân dân cấp tỉnh” quyết "
                                                   "định tặng."]
    assert not DecidingPower.objects.filter(body=tree["p1"], form=forms["giay-khen"]).exists()


def test_giay_khen_goes_to_the_commune_chairman_not_to_the_nearest_council(tree, forms, province_council, officer,
                                                                           household):
    """Was: every nomination went to the nearest council (the province's) and was voted there."""
    council, secretary, _seats = province_council.values()
    nomination = nominate(officer, tree, forms, household, form="giay-khen")

    assert (nomination.body, nomination.status) == (tree["c1"], NominationStatus.SUBMITTED)
    with pytest.raises(DomainError) as err:
        services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                nominations=[nomination], by=secretary)
    assert err.value.message == f"Đề nghị “{nomination}” không chờ Hội đồng này xét."
    assert ReviewSession.objects.count() == 0

    chairman = f.member(tree["c1"], Role.APPROVER)
    services.nomination_appraise(nomination=nomination, by=chairman)
    decision = services.decision_issue(body=tree["c1"], nominations=[nomination], number="",
                                       date=datetime.date(2025, 1, 20), signer_name="Trần Xã", signer_title="Chủ tịch",
                                       by=chairman)
    assert decision.body == tree["c1"] and Award.objects.get().form.slug == "giay-khen"


def test_only_the_deciding_bodys_approver_appraises(tree, forms, province_council, officer, household, approver):
    nomination = nominate(officer, tree, forms, household, form="giay-khen")

    with pytest.raises(PermissionDenied) as err:
        services.nomination_appraise(nomination=nomination, by=officer)

    assert err.value.message == "Chỉ người có thẩm quyền của “Xã Hòa Bình” được ghi nhận kết quả thẩm định."
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED and nomination.steps.count() == 1


def test_a_legal_threshold_raises_the_councils_own_only_where_the_law_sets_one(tree, forms, province_council,
                                                                               officer, household):
    council, secretary, seats = province_council.values()
    AwardForm.objects.filter(slug="bang-khen-tinh").update(legal_threshold_percent=Decimal("95"))
    nomination = nominate(officer, tree, forms, household)

    run_session(council, secretary, [nomination], present=seats,
                votes={**{s: "yes" for s in seats[:9]}, seats[9]: "no"})

    item = AgendaItem.objects.get(nomination=nomination)
    assert (item.threshold_percent, item.yes_count, item.outcome) == (Decimal("95"), 9, Outcome.NOT_PASSED)


def test_a_phase_award_is_not_decided_before_the_phase_review_year(tree, forms, province_council, officer,
                                                                   household, approver):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household, occasion="interim", year=2025)
    run_session(council, secretary, [nomination], present=seats, votes={s: "yes" for s in seats})

    with pytest.raises(DomainError) as err:
        services.decision_issue(body=tree["p1"], nominations=[nomination], number="",
                                date=datetime.date(2024, 12, 30), signer_name="Lê Văn Ký", signer_title="",
                                by=approver)

    assert err.value.message == ("Khen thưởng dịp “Sơ kết giai đoạn 2023–2025” chỉ được quyết định từ năm 2025 "
                                 "(năm sơ kết/tổng kết giai đoạn).")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.PASSED
    assert Decision.objects.count() == 0 and Award.objects.count() == 0


# --- 12.5: the public verify page, annulment, the public address -----------------------------------------


def test_verify_names_the_authority_the_decision_and_its_date_and_never_says_expire(client, awarded):
    page = client.get(f"/verify/{awarded.verification_code}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="verify-authority">Ủy ban nhân dân Tỉnh Thử Nghiệm<' in text
    assert "Số 12/QĐ-UBND" in text and 'id="verify-date">15/01/2025<' in text
    assert "không bị hủy bỏ" in text
    for wrong in ("còn giá trị", "hết hạn", "hết hiệu lực", "expire"):
        assert wrong not in text


def test_an_annulled_award_says_so_with_its_reason(client, awarded, approver):
    services.award_annul(award=awarded, by=approver, reason="Kê khai thành tích không trung thực.",
                         on=datetime.date(2025, 6, 1))

    text = client.get(f"/verify/{awarded.verification_code}/").content.decode()

    assert "Khen thưởng này đã bị hủy bỏ ngày 01/06/2025." in text
    assert "Kê khai thành tích không trung thực." in text and "không bị hủy bỏ" not in text
    assert awarded.history.count() == 2  # created, annulled: kept with who and when


@pytest.mark.parametrize(("who", "reason", "message"), [
    ("officer", "Lý do", "Chỉ người có thẩm quyền của “Tỉnh Thử Nghiệm” được hủy bỏ khen thưởng."),
    ("approver", "  ", "Lý do hủy bỏ: không được để trống."),
])
def test_annulment_is_refused_to_others_and_without_a_reason(awarded, officer, approver, who, reason, message):
    user = {"officer": officer, "approver": approver}[who]

    with pytest.raises(DomainError) as err:
        services.award_annul(award=awarded, by=user, reason=reason)

    assert err.value.message == message
    awarded.refresh_from_db()
    assert (awarded.annulled_on, awarded.annulment_reason) == (None, "")


def test_an_award_is_annulled_once(awarded, approver):
    services.award_annul(award=awarded, by=approver, reason="Hồ sơ giả mạo.", on=datetime.date(2025, 6, 1))

    with pytest.raises(DomainError) as err:
        services.award_annul(award=awarded, by=approver, reason="Lần hai.")

    assert err.value.message == "Khen thưởng này đã bị hủy bỏ ngày 01/06/2025."
    awarded.refresh_from_db()
    assert awarded.annulment_reason == "Hồ sơ giả mạo."


def test_the_annul_page_posts_through_the_service(client, awarded, approver, officer):
    client.force_login(officer)
    client.post(reverse("awards:award_annul", args=[awarded.pk]), {"reason": "x"})
    awarded.refresh_from_db()
    assert awarded.annulled_on is None

    client.force_login(approver)
    response = client.post(reverse("awards:award_annul", args=[awarded.pk]), {"reason": "Hồ sơ giả mạo."})

    assert response.status_code == 302
    awarded.refresh_from_db()
    assert awarded.annulment_reason == "Hồ sơ giả mạo."


def test_the_qr_address_comes_from_portal_public_url(settings, awarded):
    from awards.documents import verify_url

    settings.PORTAL_PUBLIC_URL = "https://xhht.hatinh.gov.vn/"

    assert conf.public_base_url() == "https://xhht.hatinh.gov.vn"
    assert verify_url(awarded) == f"https://xhht.hatinh.gov.vn/verify/{awarded.verification_code}/"


# --- 12.6: no minutes in the dossier for a vote that did not take place ------------------------------------


def test_a_no_quorum_session_attaches_no_minutes_to_the_dossier(client, tree, forms, province_council, officer,
                                                               household):
    """Sessions can no longer open below quorum; one closed without quorum before (legacy rows) files no minutes."""
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = services.session_create(council=council, title="Phiên thiếu", held_on=datetime.date(2025, 1, 1),
                                      nominations=[nomination], by=secretary)
    ReviewSession.objects.filter(pk=session.pk).update(status=ReviewSession.Status.CLOSED, members_total=10)
    AgendaItem.objects.filter(session=session).update(outcome=Outcome.NO_QUORUM)
    client.force_login(officer)

    text = client.get(reverse("awards:nomination_detail", args=[nomination.pk])).content.decode()

    assert reverse("awards:session_minutes", args=[session.pk]) not in text
    assert "Không đủ số thành viên có mặt" in text  # the result row still says what happened
    client.force_login(secretary)
    assert reverse("awards:session_minutes", args=[session.pk]) not in client.get(
        reverse("awards:session_detail", args=[session.pk])).content.decode()
    assert client.get(reverse("awards:session_minutes", args=[session.pk])).status_code == 404


def test_the_api_lists_each_forms_authorities_and_an_awards_annulment(api_client, officer, awarded, approver):
    services.award_annul(award=awarded, by=approver, reason="Hồ sơ giả mạo.", on=datetime.date(2025, 6, 1))
    api_client.force_authenticate(officer)

    forms = {row["slug"]: row for row in api_client.get("/api/v1/award-forms/").json()["results"]}
    decision = api_client.get(f"/api/v1/decisions/{awarded.decision_id}/").json()

    assert forms["giay-khen"]["authorities"] == ["agency_head", "commune_chair", "enterprise_head"]
    assert forms["giay-khen"]["legal_threshold_percent"] is None
    assert (decision["awards"][0]["annulled_on"], decision["awards"][0]["annulment_reason"]) == (
        "2025-06-01", "Hồ sơ giả mạo.")


def test_the_appraise_page_is_the_deciding_approvers_only(client, tree, forms, province_council, officer, household):
    nomination = nominate(officer, tree, forms, household, form="giay-khen")
    url = reverse("awards:nomination_appraise", args=[nomination.pk])
    client.force_login(officer)

    assert client.post(url).status_code == 403
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED

    chairman = f.member(tree["c1"], Role.APPROVER)
    client.force_login(chairman)
    detail = client.get(reverse("awards:nomination_detail", args=[nomination.pk])).content.decode()
    assert url in detail  # offered to the commune chairman
    assert client.post(url, {"note": "Hồ sơ đầy đủ."}).status_code == 302
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.PASSED
    assert nomination.steps.last().note == "Hồ sơ đầy đủ."
