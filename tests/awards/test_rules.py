"""The vote arithmetic at its boundaries: exactly at the threshold, one vote below, with recusals."""

from decimal import Decimal

import pytest

from awards.models import Outcome, ThresholdBase
from awards.rules import Tally, decide, quorum_met, threshold_met


def tally(*, members=10, present=10, yes=0, no=0, recused=0, recused_present=None):
    return Tally(members_total=members, present=present, recused_members=recused,
                 recused_present=recused if recused_present is None else recused_present, yes=yes, no=no, abstain=0)


def outcome(t, *, base=ThresholdBase.MEMBERS, percent="90", inclusive=True, quorum="50"):
    return decide(t, quorum_percent=Decimal(quorum), threshold_percent=Decimal(percent), threshold_base=base,
                  inclusive=inclusive)


def test_exactly_ninety_percent_of_all_members_passes_an_inclusive_threshold():
    assert outcome(tally(yes=9)).outcome == Outcome.PASSED


def test_one_vote_below_ninety_percent_of_all_members_fails():
    assert outcome(tally(yes=8)).outcome == Outcome.NOT_PASSED


def test_exactly_at_a_strict_threshold_fails_and_one_more_vote_passes():
    def strict_half(yes):
        return outcome(tally(members=4, present=4, yes=yes), base=ThresholdBase.PRESENT, percent="50",
                       inclusive=False).outcome

    assert strict_half(2) == Outcome.NOT_PASSED
    assert strict_half(3) == Outcome.PASSED


def test_absent_members_count_against_a_threshold_of_all_members():
    # 9 present, all 9 vote yes: 9/10 = 90% of all members.
    assert outcome(tally(present=9, yes=9)).outcome == Outcome.PASSED
    # 8 present, all 8 vote yes: 80% of all members, though 100% of those present.
    assert outcome(tally(present=8, yes=8)).outcome == Outcome.NOT_PASSED
    assert outcome(tally(present=8, yes=8), base=ThresholdBase.PRESENT).outcome == Outcome.PASSED


def test_recused_members_leave_the_base_of_the_threshold():
    # 10 members, 1 recused: the base is 9, and 90% of 9 is 8.1, so 8 yes fails and 9 is impossible without him.
    result = outcome(tally(yes=8, recused=1))
    assert (result.outcome, result.eligible, result.recused) == (Outcome.NOT_PASSED, 9, 1)
    # 10 members, 2 recused: base 8, 90% is 7.2; 8 yes passes, 7 fails.
    assert outcome(tally(yes=8, recused=2)).outcome == Outcome.PASSED
    assert outcome(tally(yes=7, recused=2)).outcome == Outcome.NOT_PASSED


def test_recusal_of_an_absent_member_does_not_shrink_a_base_of_members_present():
    # 6 present of 10, one absent member recused in writing: the base "present" stays 6.
    result = outcome(tally(present=6, yes=4, recused=1, recused_present=0), base=ThresholdBase.PRESENT,
                     percent="66.67")
    assert (result.outcome, result.eligible) == (Outcome.NOT_PASSED, 6)
    result = outcome(tally(present=6, yes=4, recused=1, recused_present=1), base=ThresholdBase.PRESENT,
                     percent="66.67")
    assert (result.outcome, result.eligible) == (Outcome.PASSED, 5)


def test_quorum_not_met_gives_no_result_whatever_the_votes():
    assert outcome(tally(present=4, yes=4), base=ThresholdBase.PRESENT).outcome == Outcome.NO_QUORUM


@pytest.mark.parametrize(("present", "expected"), [(5, True), (4, False)])
def test_quorum_boundary_at_half_of_the_members(present, expected):
    assert quorum_met(present=present, members_total=10, quorum_percent=Decimal("50")) is expected


def test_nobody_eligible_never_passes():
    assert threshold_met(yes=0, eligible=0, threshold_percent=Decimal("0"), inclusive=True) is False
    assert outcome(tally(members=2, present=2, recused=2), percent="0").outcome == Outcome.NOT_PASSED


def test_two_thirds_is_not_rounded_up():
    # 66.67% of 3 is 2.0001: two of three do not reach it, which is what "≥ 66.67%" says.
    assert threshold_met(yes=2, eligible=3, threshold_percent=Decimal("66.67"), inclusive=True) is False
    assert threshold_met(yes=2, eligible=3, threshold_percent=Decimal("66.66"), inclusive=True) is True
