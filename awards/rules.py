"""The arithmetic of a council vote, kept pure so that its boundaries can be tested on their own.

Percentages are Decimals and the comparisons are done in integers scaled by 100 (yes × 100 against
percent × base), so that "exactly 90%" is exactly 90%, never 89.999…%.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import Outcome, ThresholdBase


def quorum_met(*, present: int, members_total: int, quorum_percent: Decimal) -> bool:
    """At least `quorum_percent` of all members present (recused members are present: they count)."""
    if members_total <= 0:
        return False
    return Decimal(present) * 100 >= Decimal(quorum_percent) * members_total


def threshold_met(*, yes: int, eligible: int, threshold_percent: Decimal, inclusive: bool) -> bool:
    """`yes` reaches `threshold_percent` of `eligible`: "từ … trở lên" (≥) when inclusive, "trên …" (>) if not.

    No eligible voter means no decision: a nomination cannot pass on nobody's vote.
    """
    if eligible <= 0:
        return False
    scaled_yes = Decimal(yes) * 100
    scaled_needed = Decimal(threshold_percent) * eligible
    return scaled_yes >= scaled_needed if inclusive else scaled_yes > scaled_needed


@dataclass(frozen=True)
class Tally:
    members_total: int
    present: int
    recused_members: int  # every recused member of the council
    recused_present: int  # recused members who were present
    yes: int
    no: int
    abstain: int


@dataclass(frozen=True)
class Result:
    outcome: str
    eligible: int
    recused: int


def decide(tally: Tally, *, quorum_percent: Decimal, threshold_percent: Decimal, threshold_base: str,
           inclusive: bool) -> Result:
    """The outcome of one agenda item.

    The base of the threshold is either all members or the members present; in both cases members who
    recused themselves are taken out of it (they may not vote, so they can count neither for nor against).
    A member who did not vote, or abstained, counts against: only "yes" votes reach a threshold.
    """
    if threshold_base == ThresholdBase.MEMBERS:
        recused = tally.recused_members
        eligible = tally.members_total - recused
    else:
        recused = tally.recused_present
        eligible = tally.present - recused
    if not quorum_met(present=tally.present, members_total=tally.members_total, quorum_percent=quorum_percent):
        return Result(Outcome.NO_QUORUM, max(eligible, 0), recused)
    passed = threshold_met(yes=tally.yes, eligible=eligible, threshold_percent=threshold_percent, inclusive=inclusive)
    return Result(Outcome.PASSED if passed else Outcome.NOT_PASSED, max(eligible, 0), recused)
