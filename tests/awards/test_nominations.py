"""Nominations: who may propose what, and the rule of one award for one achievement."""

import pytest
from django.db import IntegrityError, transaction

from awards import services
from awards.models import Award, Nomination, NominationStatus, NominationStep
from core.errors import DomainError, PermissionDenied
from tests import factories as f
from tests.awards.conftest import nominate, run_session
from units.roles import Role

pytestmark = pytest.mark.django_db


def state():
    return (Nomination.objects.count(), NominationStep.objects.count(), Award.objects.count())


def test_officer_nominates_a_household_of_their_commune_to_the_nearest_council(
        tree, forms, province_council, officer, household):
    nomination = nominate(officer, tree, forms, household)

    assert nomination.status == NominationStatus.SUBMITTED
    assert nomination.body == tree["p1"]  # the commune has no council: the province's reviews it
    assert nomination.subject_name == "Hộ gia đình ông/bà Nguyễn Văn Học"
    assert nomination.unit == tree["h1"]
    assert list(nomination.steps.values_list("action", flat=True)) == ["submitted"]


def test_same_subject_cannot_be_nominated_twice_for_the_same_occasion_and_year(
        tree, forms, province_council, officer, household):
    nominate(officer, tree, forms, household)
    before = state()

    with pytest.raises(DomainError) as err:
        nominate(officer, tree, forms, household, form="giay-khen")

    assert "không đề nghị hai lần cho cùng một thành tích" in err.value.message
    assert err.value.field == "subject"
    assert state() == before


def test_same_subject_may_be_nominated_for_another_year_or_occasion(tree, forms, province_council, officer, household):
    nominate(officer, tree, forms, household, year=2024)
    nominate(officer, tree, forms, household, year=2023)
    nominate(officer, tree, forms, household, occasion="interim", year=2025)

    assert Nomination.objects.count() == 3


def test_database_refuses_a_second_live_nomination_even_past_the_service(
        tree, forms, province_council, officer, household):
    first = nominate(officer, tree, forms, household)
    twin = Nomination(form=first.form, occasion=first.occasion, year=first.year, subject_kind=first.subject_kind,
                      unit=first.unit, household=household, subject_name="x", proposer_unit=first.proposer_unit,
                      body=first.body, achievement_summary="x", created_by=officer)

    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_a_nomination_not_passed_frees_the_achievement_for_another_form(
        tree, forms, province_council, officer, household):
    council, secretary, seats = province_council.values()
    first = nominate(officer, tree, forms, household)
    run_session(council, secretary, [first], present=seats, votes={s: "no" for s in seats})
    first.refresh_from_db()
    assert first.status == NominationStatus.NOT_PASSED

    second = nominate(officer, tree, forms, household, form="giay-khen")

    assert second.status == NominationStatus.SUBMITTED


def test_an_award_blocks_any_other_award_for_the_same_achievement(
        tree, forms, province_council, officer, household, approver):
    import datetime

    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    run_session(council, secretary, [nomination], present=seats, votes={s: "yes" for s in seats})
    services.decision_issue(body=tree["p1"], nominations=[nomination], number="12/QĐ-UBND",
                            date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="Chủ tịch",
                            by=approver)
    before = state()

    with pytest.raises(DomainError) as err:
        nominate(officer, tree, forms, household, form="giay-khen")

    assert "đã được khen thưởng" in err.value.message
    assert "12/QĐ-UBND" in err.value.message
    assert state() == before
    # The award table holds the rule too: a second award row for the achievement is refused by the database.
    award = Award.objects.get()
    award.pk = None
    award.verification_code = "another-code"
    award.nomination = Nomination.objects.create(
        form=forms["giay-khen"], occasion="yearly", year=2024, subject_kind="household", unit=tree["h1"],
        household=household, subject_name="x", proposer_unit=tree["c1"], body=tree["p1"], status="withdrawn",
        achievement_summary="x", created_by=officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        award.save()


def test_officer_of_another_commune_cannot_nominate_here(tree, forms, province_council, household):
    stranger = f.member(tree["c2"], Role.OFFICER)
    before = state()

    with pytest.raises(PermissionDenied) as err:
        services.nomination_create(by=stranger, proposer_unit=tree["c1"], form=forms["giay-khen"], occasion="yearly",
                                   year=2024, subject=household, achievement_summary="Thành tích")

    assert err.value.message == "Chỉ cán bộ đơn vị “Xã Hòa Bình” được đề nghị khen thưởng."
    assert state() == before


def test_a_viewer_cannot_nominate(tree, forms, province_council, household):
    viewer = f.member(tree["c1"], Role.VIEWER)

    with pytest.raises(PermissionDenied):
        nominate(viewer, tree, forms, household)

    assert Nomination.objects.count() == 0


def test_subject_outside_the_proposers_unit_is_refused(tree, forms, province_council, officer):
    before = state()

    with pytest.raises(DomainError) as err:
        nominate(officer, tree, forms, tree["s2"])

    assert err.value.message == "Đối tượng “Trường Tiểu học Đông Hà” không thuộc đơn vị “Xã Hòa Bình”."
    assert state() == before


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"summary": "   "}, "achievement_summary", "Tóm tắt thành tích: không được để trống."),
    ({"year": 2999}, "year", "Năm 2999 chưa kết thúc: chưa thể đề nghị khen thưởng hằng năm."),
    ({"occasion": "every-day"}, "occasion", "Dịp khen thưởng không hợp lệ."),
])
def test_bad_input_is_refused_naming_the_field(tree, forms, province_council, officer, household, kwargs, field,
                                                message):
    before = state()

    with pytest.raises(DomainError) as err:
        nominate(officer, tree, forms, household, **kwargs)

    assert (err.value.field, err.value.message) == (field, message)
    assert state() == before


def test_interim_review_year_comes_from_the_campaign_phases(tree, forms, province_council, officer, household):
    from campaigns.models import Phase

    assert Phase.objects.filter(review="interim", review_year=2025).exists()  # the campaign's data migration

    with pytest.raises(DomainError) as err:
        nominate(officer, tree, forms, household, occasion="interim", year=2024)

    assert err.value.message == "Năm không khớp với dịp “Sơ kết giai đoạn 2023–2025” (năm 2025)."
    assert Nomination.objects.count() == 0


def test_no_council_anywhere_above_is_refused(tree, forms, officer, household, root):
    from awards.models import DecidingPower

    DecidingPower.objects.create(body=tree["p1"], form=forms["bang-khen-tinh"])

    with pytest.raises(DomainError) as err:
        nominate(officer, tree, forms, household, form="bang-khen-tinh")

    assert err.value.message == ("“Tỉnh Thử Nghiệm” chưa có Hội đồng Thi đua - Khen thưởng để xét “Bằng khen của "
                                 "Chủ tịch Ủy ban nhân dân cấp tỉnh”.")
    assert Nomination.objects.count() == 0


def test_returned_nomination_goes_back_with_reasons_and_can_be_resubmitted(
        tree, forms, province_council, officer, household):
    secretary = province_council["secretary"]
    nomination = nominate(officer, tree, forms, household)

    services.nomination_return(nomination=nomination, by=secretary, reason="Thiếu biên bản bình xét của thôn.")
    nomination.refresh_from_db()
    assert (nomination.status, nomination.return_reason) == ("returned", "Thiếu biên bản bình xét của thôn.")

    services.nomination_resubmit(nomination=nomination, by=officer, achievement_summary="Bổ sung biên bản.",
                                 revision=nomination.revision)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED
    assert list(nomination.steps.values_list("action", flat=True)) == ["submitted", "returned", "resubmitted"]


def test_resubmitting_from_a_stale_page_is_a_conflict(tree, forms, province_council, officer, household):
    from core.errors import Conflict

    nomination = nominate(officer, tree, forms, household)
    services.nomination_return(nomination=nomination, by=province_council["secretary"], reason="Thiếu hồ sơ.")
    nomination.refresh_from_db()

    with pytest.raises(Conflict):
        services.nomination_resubmit(nomination=nomination, by=officer, achievement_summary="Mới",
                                     revision=nomination.revision - 1)

    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.RETURNED


def test_officer_cannot_return_a_nomination(tree, forms, province_council, officer, household):
    nomination = nominate(officer, tree, forms, household)

    with pytest.raises(PermissionDenied) as err:
        services.nomination_return(nomination=nomination, by=officer, reason="Tự trả")

    assert "Chỉ thư ký hội đồng hoặc người có thẩm quyền" in err.value.message
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED


def test_attachment_of_a_wrong_type_or_size_is_refused(tree, forms, province_council, officer, household, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    nomination = nominate(officer, tree, forms, household)
    settings.AWARDS_ATTACHMENT_MAX_BYTES = 100

    for upload, message in [
        (SimpleUploadedFile("virus.exe", b"MZ..."),
         "Tệp minh chứng “virus.exe”: chỉ nhận các định dạng PDF, DOCX, XLSX, JPG, PNG."),
        (SimpleUploadedFile("fake.pdf", b"MZ not a pdf"),
         "Tệp minh chứng “fake.pdf”: nội dung không đúng định dạng PDF."),
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 200),
         "Tệp minh chứng “big.pdf” vượt quá giới hạn 100\xa0byte."),
    ]:
        with pytest.raises(DomainError) as err:
            services.attachment_add(nomination=nomination, by=officer, uploaded_file=upload)
        assert err.value.message == message
    assert nomination.attachments.count() == 0

    ok = services.attachment_add(nomination=nomination, by=officer,
                                 uploaded_file=SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 ..."))
    assert (ok.name, ok.size) == ("bien-ban.pdf", 12)
