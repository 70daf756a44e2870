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
    return (VoterRoll.objects.count(), SealedBallot.objects.count(), Ballot.objects.count(), OpenVote.objects.count(),
            Recusal.objects.count())


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


def test_quorum_not_met_puts_the_nomination_back_in_the_queue(province_council, nomination):
    council, secretary, seats = province_council.values()

    run_session(council, secretary, [nomination], present=seats[:4], votes=votes(seats[:4], 4))

    nomination.refresh_from_db()
    item = item_of(nomination)
    assert item.outcome == Outcome.NO_QUORUM
    assert nomination.status == NominationStatus.SUBMITTED
    assert nomination.steps.last().action == "no_quorum"
    # It can go on the agenda of the next session.
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.PASSED


def test_a_passed_nomination_beyond_the_bodys_power_goes_up_with_its_vote_result(
        tree, forms, province_council, officer, household, nation, root):
    council, secretary, seats = province_council.values()
    national, national_secretary, national_seats = make_council(nation, root, members=3, threshold="50",
                                                                inclusive=False, prefix="tw")
    nomination = nominate(officer, tree, forms, household, form="bang-khen-thu-tuong")

    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))

    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED
    assert nomination.body == nation
    forwarded = nomination.steps.get(action="forwarded")
    assert (forwarded.body, forwarded.to_body) == (tree["p1"], nation)
    assert forwarded.vote_result["yes"] == 10 and forwarded.vote_result["outcome"] == "passed"
    # The body above's council now reviews it, and its head decides.
    run_session(national, national_secretary, [nomination], present=national_seats, votes=votes(national_seats, 2))
    nomination.refresh_from_db()
    assert (nomination.status, nomination.body) == (NominationStatus.PASSED, nation)
    pm_office = f.member(nation, Role.APPROVER)
    decision = services.decision_issue(body=nation, nominations=[nomination], number="88/QĐ-TTg",
                                       date=datetime.date(2025, 3, 1), signer_name="Thủ tướng", signer_title="",
                                       by=pm_office)
    assert decision.authority_name == "Thủ tướng Chính phủ"
    assert Award.objects.get().nomination == nomination


def test_the_province_cannot_decide_the_prime_ministers_form(tree, forms, province_council, officer, household,
                                                             approver):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household, form="bang-khen-thu-tuong")
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.PASSED  # no council above in this tree: it waits here

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
    ({"number": " "}, "Số quyết định: không được để trống."),
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
    assert vote_state() == (0, 0, 0, 0, 0)


def test_no_vote_before_the_session_opens_or_after_it_closes(province_council, nomination):
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                      nominations=[nomination], by=secretary)

    with pytest.raises(DomainError) as err:
        services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")

    assert err.value.message == "Phiên họp không trong thời gian bỏ phiếu."
    assert vote_state() == (0, 0, 0, 0, 0)


def test_open_voting_keeps_the_member_choice_link_by_design(tree, root, forms, officer, household, nation):
    from awards.models import DecidingPower

    DecidingPower.objects.create(body=tree["p1"], form=forms["giay-khen"])
    council, secretary, seats = make_council(tree["p1"], root, members=3, threshold="50", inclusive=False,
                                             secret=False)
    nomination = nominate(officer, tree, forms, household, form="giay-khen")

    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 2, 1))

    assert dict(OpenVote.objects.values_list("member__user__username", "choice")) == {
        seats[0].user.username: "yes", seats[1].user.username: "yes", seats[2].user.username: "no"}
    assert Ballot.objects.count() == 0
    assert item_of(nomination).outcome == Outcome.PASSED


def test_opening_without_a_voting_rule_is_refused(tree, root, forms, officer, household):
    from awards.models import DecidingPower, VotingRule

    DecidingPower.objects.create(body=tree["p1"], form=forms["giay-khen"])
    council, secretary, seats = make_council(tree["p1"], root, members=3, form=forms["bang-khen-bo-tinh"])
    nomination = nominate(officer, tree, forms, household, form="giay-khen")
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 1),
                                      nominations=[nomination], by=secretary)
    assert not VotingRule.objects.filter(form__isnull=True).exists()

    with pytest.raises(DomainError) as err:
        services.session_open(session=session, by=secretary)

    assert err.value.message == "Hội đồng chưa có quy định biểu quyết cho hình thức “Giấy khen”."
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


def test_a_nomination_stuck_without_a_council_above_is_forwarded_by_hand_once_there_is_one(
        tree, forms, province_council, officer, household, nation, root):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household, form="bang-khen-thu-tuong")
    run_session(council, secretary, [nomination], present=seats, votes=votes(seats, 10))
    nomination.refresh_from_db()
    with pytest.raises(DomainError) as err:
        services.nomination_forward(nomination=nomination, by=secretary)
    assert err.value.message == "Không có Hội đồng Thi đua - Khen thưởng ở cấp trên để trình."
    nomination.refresh_from_db()
    assert (nomination.status, nomination.body) == (NominationStatus.PASSED, tree["p1"])

    make_council(nation, root, members=1, prefix="tw")
    services.nomination_forward(nomination=nomination, by=secretary)

    nomination.refresh_from_db()
    assert (nomination.status, nomination.body) == (NominationStatus.SUBMITTED, nation)
    assert nomination.steps.get(action="forwarded").vote_result["yes"] == 10
