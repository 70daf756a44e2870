"""The council: sessions, attendance, recusals, votes, quorum and threshold, routing, decisions."""

import datetime

import pytest

from awards import services
from awards.models import (
    AgendaItem,
    Award,
    Ballot,
    Decision,
    NominationStatus,
    OpenVote,
    Outcome,
    Recusal,
    ReviewSession,
    SealedBallot,
    VoterRoll,
)
from core.errors import DomainError, PermissionDenied
from tests import factories as f
from tests.awards.conftest import make_council, nominate, run_session
from units.roles import Role

pytestmark = pytest.mark.django_db


def votes(seats, yes: int, no: int = 0):
    """The first `yes` seats vote yes, the next `no` vote no."""
    return {**{s: "yes" for s in seats[:yes]}, **{s: "no" for s in seats[yes:yes + no]}}


def item_of(nomination) -> AgendaItem:
    return AgendaItem.objects.filter(nomination=nomination).latest("id")


def vote_state():
    """Votes cast (roll lines flipped), ballots, open votes, recusals — and the exact seals, so that a refused
    vote is seen to have re-sealed nothing."""
    return (VoterRoll.objects.filter(voted=True).count(), Ballot.objects.count(), OpenVote.objects.count(),
            Recusal.objects.count(), frozenset(SealedBallot.objects.values_list("nonce", "seal")))


NOTHING = (0, 0, 0, 0)


@pytest.fixture
def nomination(tree, forms, province_council, officer, household):
    return nominate(officer, tree, forms, household)


def test_nine_of_ten_members_voting_yes_pass_a_ninety_percent_threshold(province_council, nomination):
    council, secretary, seats = province_council.values()

    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 9, 1))

    nomination.refresh_from_db()
    item = item_of(nomination)
    assert (item.outcome, item.yes_count, item.no_count, item.eligible) == (Outcome.PASSED, 9, 1, 10)
    assert nomination.status == NominationStatus.PASSED  # the province may decide its own Bằng khen


def test_eight_of_ten_members_fail_a_ninety_percent_threshold(province_council, nomination):
    council, secretary, seats = province_council.values()

    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 8, 2))

    nomination.refresh_from_db()
    assert item_of(nomination).outcome == Outcome.NOT_PASSED
    assert nomination.status == NominationStatus.NOT_PASSED


def test_a_recused_member_cannot_vote_and_leaves_the_base(province_council, nomination):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên 1", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats, by=secretary)
    # The member declares the conflict of interest themself.
    services.recusal_record(session=session, nomination=nomination, member=seats[0], reason="Là người thân",
                            by=seats[0].user)
    services.session_open(session=session, by=secretary)
    before = vote_state()

    with pytest.raises(DomainError) as err:
        services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")

    assert err.value.message == "Bạn đã xin không tham gia biểu quyết đề nghị này."
    assert vote_state() == before
    # 9 eligible, 90% of 9 = 8.1: eight yes are not enough, nine are.
    for seat in seats[1:9]:
        services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice="yes")
    services.ballot_cast(session=session, nomination=nomination, by=seats[9].user, choice="no")
    services.session_close(session=session, by=secretary)
    item = item_of(nomination)
    assert (item.outcome, item.eligible, item.recused, item.yes_count) == (Outcome.NOT_PASSED, 9, 1, 8)
    assert Recusal.objects.get().reason == "Là người thân"


def test_with_two_recusals_eight_yes_of_eight_eligible_pass(province_council, nomination):
    council, secretary, seats = province_council.values()

    run_session(council, secretary, [nomination], present=seats, votes=votes(seats[2:], 8), recused=seats[:2])

    item = item_of(nomination)
    assert (item.outcome, item.eligible, item.yes_count) == (Outcome.PASSED, 8, 8)


def test_a_member_cannot_recuse_after_voting(province_council, nomination):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên 1", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats, by=secretary)
    services.session_open(session=session, by=secretary)
    services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")
    before = vote_state()

    with pytest.raises(DomainError) as err:
        services.recusal_record(session=session, nomination=nomination, member=seats[0], reason="Muộn", by=secretary)

    assert "đã bỏ phiếu" in err.value.message
    assert vote_state() == before


def test_a_member_cannot_record_another_members_recusal(province_council, nomination):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên 1", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)

    with pytest.raises(PermissionDenied):
        services.recusal_record(session=session, nomination=nomination, member=seats[1], reason="x", by=seats[0].user)

    assert Recusal.objects.count() == 0


def test_voting_does_not_open_below_quorum_and_attendance_is_corrected_until_it_opens(province_council, nomination):
    """Issue 12.6 (was: the session opened, and closed as "no quorum" with 0/N minutes)."""
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats[:4], by=secretary)

    with pytest.raises(DomainError) as err:
        services.session_open(session=session, by=secretary)

    assert err.value.message == (
        "Không đủ số thành viên có mặt để biểu quyết “Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh”: có mặt 4/10, "
        "cần từ 50% trở lên. Bổ sung danh sách có mặt trước khi mở bỏ phiếu.")
    session.refresh_from_db()
    assert (session.status, session.members_total, session.opened_at) == (ReviewSession.Status.PLANNED, 0, None)
    assert VoterRoll.objects.count() == 0 and SealedBallot.objects.count() == 0

    # Corrected before opening: now it opens; after opening the list is frozen.
    services.session_record_attendance(session=session, members=seats, by=secretary)
    services.session_open(session=session, by=secretary)
    with pytest.raises(DomainError) as err:
        services.session_record_attendance(session=session, members=seats[:5], by=secretary)
    assert err.value.message == "Chỉ ghi nhận thành viên có mặt trước khi mở bỏ phiếu."
    assert session.attendance.count() == 10


def test_voting_does_not_open_with_no_one_present(province_council, nomination):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)

    with pytest.raises(DomainError) as err:
        services.session_open(session=session, by=secretary)

    assert err.value.message == "Chưa ghi nhận thành viên có quyền biểu quyết nào có mặt: không thể mở bỏ phiếu."
    session.refresh_from_db()
    assert session.status == ReviewSession.Status.PLANNED and VoterRoll.objects.count() == 0


def test_the_prime_ministers_form_goes_to_the_nation_for_appraisal_without_a_council_vote(
        tree, forms, province_council, officer, household, nation, root):
    """Was: voted by the province's council, then forwarded to (and voted by) a national council."""
    council, secretary, seats = province_council.values()
    national, national_secretary, _seats = make_council(nation, root, members=3, prefix="tw")
    nomination = nominate(officer, tree, forms, household, form="bang-khen-thu-tuong")

    assert (nomination.body, nomination.status) == (nation, NominationStatus.SUBMITTED)
    assert nomination.steps.get().note == "Hồ sơ được chuyển Bộ Nội vụ thẩm định"
    # Neither council puts it to a vote.
    for c, s in ((council, secretary), (national, national_secretary)):
        with pytest.raises(DomainError) as err:
            services.session_create(council=c, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                    nominations=[nomination], by=s)
        assert "không chờ Hội đồng này xét" in err.value.message or "không qua Hội đồng bỏ phiếu" in err.value.message
    assert ReviewSession.objects.count() == 0

    pm_office = f.member(nation, Role.APPROVER)
    services.nomination_appraise(nomination=nomination, by=pm_office)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.PASSED
    assert nomination.steps.last().action == "appraised"
    decision = services.decision_issue(body=nation, nominations=[nomination], number="88/QĐ-TTg",
                                       date=datetime.date(2025, 3, 1), signer_name="Thủ tướng", signer_title="",
                                       by=pm_office)
    assert decision.authority_name == "Thủ tướng Chính phủ"
    assert Award.objects.get().nomination == nomination


def test_a_council_reviewed_form_cannot_be_appraised_instead_of_voted(tree, province_council, nomination, approver):
    with pytest.raises(DomainError) as err:
        services.nomination_appraise(nomination=nomination, by=approver)

    assert err.value.message == ("“Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh” tại “Tỉnh Thử Nghiệm” phải được "
                                 "Hội đồng Thi đua - Khen thưởng xét, bỏ phiếu.")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED and nomination.steps.count() == 1


def test_the_province_cannot_decide_the_prime_ministers_form(tree, forms, province_council, officer, household,
                                                             approver, nation):
    nomination = nominate(officer, tree, forms, household, form="bang-khen-thu-tuong")
    services.nomination_appraise(nomination=nomination, by=f.member(nation, Role.APPROVER))

    with pytest.raises(DomainError) as err:
        services.decision_issue(body=tree["p1"], nominations=[nomination], number="1/QĐ-UBND",
                                date=datetime.date(2025, 1, 15), signer_name="A", signer_title="B", by=approver)

    assert err.value.message == "“Tỉnh Thử Nghiệm” không có thẩm quyền quyết định “Bằng khen của Thủ tướng Chính phủ”."
    assert Decision.objects.count() == 0 and Award.objects.count() == 0


def test_decision_grants_the_award_with_an_unguessable_code(tree, province_council, nomination, approver):
    council, secretary, seats = province_council.values()
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))

    decision = services.decision_issue(body=tree["p1"], nominations=[nomination], number="12/QĐ-UBND",
                                       date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="",
                                       by=approver)

    award = Award.objects.get()
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.AWARDED
    assert (decision.signer_title, decision.authority_name) == ("Chủ tịch", "Ủy ban nhân dân Tỉnh Thử Nghiệm")
    assert len(award.verification_code) >= 24
    assert award.recipient_name == "Hộ gia đình ông/bà Nguyễn Văn Học"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"date": datetime.date(2999, 1, 1)}, "Ngày quyết định không được sau ngày hôm nay."),
    ({"signer_name": ""}, "Người ký: không được để trống."),
])
def test_decision_with_bad_input_is_refused(tree, province_council, nomination, approver, kwargs, message):
    council, secretary, seats = province_council.values()
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))
    data = {"number": "12/QĐ-UBND", "date": datetime.date(2025, 1, 15), "signer_name": "Lê Văn Ký",
            "signer_title": "Chủ tịch", **kwargs}

    with pytest.raises(DomainError) as err:
        services.decision_issue(body=tree["p1"], nominations=[nomination], by=approver, **data)

    assert err.value.message == message
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.PASSED and Decision.objects.count() == 0


def test_a_decision_without_a_number_is_numbered_by_the_deciding_bodys_register(tree, province_council, nomination,
                                                                                approver):
    """Was: a blank number was refused and the user typed any number. Now the register of the deciding body
    numbers it, and the certificate gets its number in the award register."""
    from core.documents.models import Document

    council, secretary, seats = province_council.values()
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))

    decision = services.decision_issue(body=tree["p1"], nominations=[nomination], number=" ",
                                       date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký",
                                       signer_title="Phó Chủ tịch", by=approver)

    document = Document.objects.get(kind="award_decision")
    assert decision.number == document.number and document.number.startswith("01/QĐ-")
    assert (document.capacity, document.principal, document.signer_title) == ("KT.", "Chủ tịch", "Phó Chủ tịch")
    assert document.subject == decision and not document.external
    certificate = Document.objects.get(kind="certificate")
    assert certificate.subject == Award.objects.get() and certificate.issuer == document.issuer
    assert Document.objects.filter(kind="minutes").get().subject == ReviewSession.objects.get()
    assert Document.objects.filter(kind="submission").get().subject == nomination


def test_a_decision_signed_on_paper_keeps_its_number_as_an_external_act(tree, province_council, nomination, approver):
    from core.documents.models import Document

    council, secretary, seats = province_council.values()
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))

    decision = services.decision_issue(body=tree["p1"], nominations=[nomination], number="512/QĐ-UBND",
                                       date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký", signer_title="",
                                       by=approver)

    document = Document.objects.get(kind="award_decision")
    assert (decision.number, document.number, document.external) == ("512/QĐ-UBND", "512/QĐ-UBND", True)


def test_a_council_member_cannot_issue_a_decision(tree, province_council, nomination):
    council, secretary, seats = province_council.values()
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))

    with pytest.raises(PermissionDenied) as err:
        services.decision_issue(body=tree["p1"], nominations=[nomination], number="1", date=datetime.date(2025, 1, 1),
                                signer_name="A", signer_title="B", by=seats[0].user)

    assert err.value.message == "Chỉ người có thẩm quyền của “Tỉnh Thử Nghiệm” được ban hành quyết định khen thưởng."
    assert Decision.objects.count() == 0


def test_a_nomination_not_yet_passed_cannot_be_decided(tree, province_council, nomination, approver):
    with pytest.raises(DomainError) as err:
        services.decision_issue(body=tree["p1"], nominations=[nomination], number="1", date=datetime.date(2025, 1, 1),
                                signer_name="A", signer_title="B", by=approver)

    assert "chưa được Hội đồng cấp này thông qua" in err.value.message
    assert Decision.objects.count() == 0


def test_only_the_secretary_opens_a_session(province_council, nomination):
    council, secretary, seats = province_council.values()

    with pytest.raises(PermissionDenied) as err:
        services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                nominations=[nomination], by=seats[0].user)

    assert "Chỉ thư ký Hội đồng" in err.value.message
    assert ReviewSession.objects.count() == 0
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED


def test_secretary_of_another_province_cannot_schedule_here(tree, root, province_council, nomination):
    council, _, _ = province_council.values()
    _, other_secretary, _ = make_council(tree["p2"], root, members=1, prefix="p2")

    with pytest.raises(PermissionDenied):
        services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                nominations=[nomination], by=other_secretary)

    assert ReviewSession.objects.count() == 0


def test_a_nomination_cannot_be_on_two_agendas(province_council, nomination):
    council, secretary, _ = province_council.values()
    services.session_create(council=council, title="Phiên 1", held_on=datetime.date(2025, 1, 1),
                            nominations=[nomination], by=secretary)

    with pytest.raises(DomainError) as err:
        services.session_create(council=council, title="Phiên 2", held_on=datetime.date(2025, 1, 2),
                                nominations=[nomination], by=secretary)

    assert "không chờ Hội đồng này xét" in err.value.message
    assert ReviewSession.objects.count() == 1


def test_a_member_votes_once(province_council, nomination):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats, by=secretary)
    services.session_open(session=session, by=secretary)
    services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")
    before = vote_state()

    with pytest.raises(DomainError) as err:
        services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="no")

    assert err.value.message == "Bạn đã bỏ phiếu cho đề nghị này."
    assert vote_state() == before


@pytest.mark.parametrize("who", ["absent_member", "secretary", "outsider"])
def test_only_present_voting_members_vote(province_council, nomination, tree, who):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats[:9], by=secretary)
    services.session_open(session=session, by=secretary)
    user = {"absent_member": seats[9].user, "secretary": secretary,
            "outsider": f.member(tree["p1"], Role.COUNCIL_MEMBER)}[who]

    with pytest.raises(DomainError) as err:
        services.ballot_cast(session=session, nomination=nomination, by=user, choice="yes")

    expected = ("Bạn không có tên trong danh sách thành viên có mặt của phiên họp." if who == "absent_member"
                else "Bạn không phải thành viên có quyền biểu quyết của hội đồng này.")
    assert err.value.message == expected
    assert vote_state()[:4] == NOTHING


def test_no_vote_before_the_session_opens_or_after_it_closes(province_council, nomination):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                      nominations=[nomination], by=secretary)

    with pytest.raises(DomainError) as err:
        services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")

    assert err.value.message == "Phiên họp không trong thời gian bỏ phiếu."
    assert vote_state()[:4] == NOTHING


def test_open_voting_keeps_the_member_choice_link_by_design(tree, root, forms, officer, household, nation):
    from awards.models import DecidingPower

    DecidingPower.objects.create(body=tree["p1"], form=forms["bang-khen-tinh"])
    council, secretary, seats = make_council(tree["p1"], root, members=3, threshold="50", inclusive=False,
                                             secret=False)
    nomination = nominate(officer, tree, forms, household, form="bang-khen-tinh")

    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 2, 1))

    assert dict(OpenVote.objects.values_list("member__user__username", "choice")) == {
        seats[0].user.username: "yes", seats[1].user.username: "yes", seats[2].user.username: "no"}
    assert Ballot.objects.count() == 0
    assert item_of(nomination).outcome == Outcome.PASSED


def test_opening_without_a_voting_rule_is_refused(tree, root, forms, officer, household):
    from awards.models import DecidingPower, VotingRule

    DecidingPower.objects.create(body=tree["p1"], form=forms["bang-khen-tinh"])
    council, secretary, seats = make_council(tree["p1"], root, members=3, form=forms["giay-khen"])
    nomination = nominate(officer, tree, forms, household, form="bang-khen-tinh")
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                      nominations=[nomination], by=secretary)
    assert not VotingRule.objects.filter(form__isnull=True).exists()

    with pytest.raises(DomainError) as err:
        services.session_open(session=session, by=secretary)

    assert err.value.message == ("Hội đồng chưa có quy định biểu quyết cho hình thức “Bằng khen của Chủ tịch Ủy ban "
                                 "nhân dân cấp tỉnh”.")
    session.refresh_from_db()
    assert session.status == ReviewSession.Status.PLANNED


def test_a_seat_needs_the_council_role_over_the_body(tree, root, province_council):
    from awards.models import CouncilMember

    officer_elsewhere = f.member(tree["c1"], Role.OFFICER)
    before = CouncilMember.objects.count()

    with pytest.raises(DomainError) as err:
        services.council_member_add(council=province_council["council"], user=officer_elsewhere,
                                    role=CouncilMember.Role.MEMBER, by=root)

    assert "chưa được phân quyền “Thành viên Hội đồng TĐKT” tại “Tỉnh Thử Nghiệm”" in err.value.message
    assert CouncilMember.objects.count() == before
