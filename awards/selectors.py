"""Reads of awards. Every list starts from units.selectors.scope_filter; nothing here returns a ballot."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from units.models import Membership, Unit
from units.roles import Role
from units.selectors import scope_filter

from .models import (
    AgendaItem,
    Award,
    AwardForm,
    Council,
    CouncilMember,
    DecidingPower,
    Decision,
    Nomination,
    NominationStatus,
    ReviewSession,
)


def path_ids(unit: Unit) -> list[int]:
    """Ids of the unit's ancestors and itself, root first (read from the materialised path)."""
    return [int(seg) for seg in unit.path.strip("/").split("/") if seg]


def nearest_council(unit: Unit, *, include_self: bool = True) -> Council | None:
    """The council of the nearest body at or above `unit` (strictly above with include_self=False)."""
    ids = path_ids(unit)
    if not include_self:
        ids = ids[:-1]
    councils = {c.body_id: c for c in Council.objects.filter(body_id__in=ids, active=True).select_related("body")}
    for uid in reversed(ids):
        if uid in councils:
            return councils[uid]
    return None


def deciding_power(body: Unit, form: AwardForm) -> DecidingPower | None:
    return DecidingPower.objects.filter(body=body, form=form).first()


def form_decidable_in_chain(unit: Unit, form: AwardForm) -> bool:
    return DecidingPower.objects.filter(body_id__in=path_ids(unit), form=form).exists()


def power_for(unit: Unit, form: AwardForm) -> DecidingPower | None:
    """The deciding power of the nearest body at or above `unit` that may give `form`: where a nomination of
    this form made by `unit` is examined and decided."""
    ids = path_ids(unit)
    powers = {p.body_id: p for p in DecidingPower.objects.filter(body_id__in=ids, form=form).select_related("body")}
    for uid in reversed(ids):
        if uid in powers:
            return powers[uid]
    return None


def holds_role(user, unit: Unit, role: str) -> bool:
    """The user holds exactly `role` on the unit or an ancestor (no administrator shortcut: a council
    seat needs the council role itself)."""
    return Membership.objects.filter(user=user, role=role, unit_id__in=path_ids(unit)).exists()


def seat_role(seat: CouncilMember) -> str:
    """The membership role a seat stands on: the secretary's, or the council member's."""
    return Role.COUNCIL_SECRETARY if seat.role == CouncilMember.Role.SECRETARY else Role.COUNCIL_MEMBER


def council_seat(council: Council, user) -> CouncilMember | None:
    """The user's seat on the council, only while it stands on its role.

    A seat follows the role (issue 11.2): the CouncilMember row alone is not enough, the user must still
    hold the council-member (or secretary) membership on the council's body or above. Revoking the
    membership therefore ends the seat at once — for viewing the session, its nominees and voting —
    without a second write that could be forgotten.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    seat = CouncilMember.objects.filter(council=council, user=user, active=True).select_related("council__body").first()
    if seat is None or not holds_role(user, council.body, seat_role(seat)):
        return None
    return seat


def seated_member_ids(council: Council) -> set[int]:
    """Ids of the active seats whose user still holds the seat's role on the council's body (or above)."""
    ids = path_ids(council.body)
    holders = {
        (user_id, role)
        for user_id, role in Membership.objects.filter(
            unit_id__in=ids, role__in=[Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY]).values_list("user_id", "role")
    }
    return {
        seat.pk for seat in CouncilMember.objects.filter(council=council, active=True)
        if (seat.user_id, seat_role(seat)) in holders
    }


def _nomination_scope(user) -> Q:
    """A nomination is seen by the proposing side and by the bodies that hold or held it."""
    return (scope_filter(user, unit_field="proposer_unit") | scope_filter(user, unit_field="body")
            | scope_filter(user, unit_field="unit"))


def visible_nominations(user) -> QuerySet[Nomination]:
    return (
        Nomination.objects.filter(_nomination_scope(user))
        .select_related("form", "unit", "proposer_unit", "body", "household", "clan", "citizen")
        .order_by("-created_at", "-id")
    )


def visible_forms() -> QuerySet[AwardForm]:
    return AwardForm.objects.filter(active=True).order_by("-rank", "slug")


def visible_councils(user) -> QuerySet[Council]:
    """Councils of bodies in the user's scope. A seat gives no reading right of its own: a member reads the
    council through the council-member membership the seat stands on (issue 11.2)."""
    return Council.objects.filter(scope_filter(user, unit_field="body")).select_related("body").order_by("body__path")


def visible_sessions(user) -> QuerySet[ReviewSession]:
    """Sessions of councils in scope; see visible_councils for why a bare seat does not count."""
    return (
        ReviewSession.objects.filter(scope_filter(user, unit_field="council__body"))
        .select_related("council", "council__body").order_by("-held_on", "-id")
    )


def visible_decisions(user) -> QuerySet[Decision]:
    """Decisions of bodies in scope, and decisions granting an award to a subject in scope."""
    return (
        Decision.objects.filter(scope_filter(user, unit_field="body") | Q(awards__in=visible_awards(user)))
        .distinct().select_related("body", "form").order_by("-date", "-id")
    )


def visible_awards(user) -> QuerySet[Award]:
    return Award.objects.filter(
        scope_filter(user, unit_field="unit") | scope_filter(user, unit_field="nomination__proposer_unit")
        | scope_filter(user, unit_field="decision__body")
    ).select_related("decision", "form", "nomination")


def awaiting_decision(user) -> QuerySet[Nomination]:
    """Passed nominations at bodies where the user may issue decisions."""
    return visible_nominations(user).filter(
        scope_filter(user, roles=[Role.APPROVER], unit_field="body"), status=NominationStatus.PASSED
    )


def session_items(session: ReviewSession) -> QuerySet[AgendaItem]:
    return session.items.select_related("nomination", "nomination__form", "nomination__proposer_unit", "session")


def verify_award(code: str) -> Award | None:
    """The public verification lookup: by the unguessable code only."""
    # Codes are ASCII letters and digits: anything else (a NUL byte, which PostgreSQL refuses in a query) is
    # "not found" without asking the database.
    if not code or len(code) > 40 or not (code.isascii() and code.isalnum()):
        return None
    return Award.objects.select_related("decision", "form").filter(verification_code=code).first()


def consecutive_title_years(nomination: Nomination) -> dict[str, int]:
    """For each title the linked recognitions show, how many consecutive years up to the nomination's
    year the subject held it (the evidence a council reads)."""
    runs: dict[str, int] = {}
    years_by_title: dict[str, set[int]] = {}
    for rec in nomination.recognitions.all().select_related("title_type"):
        years_by_title.setdefault(rec.title_type.name, set()).add(rec.year)
    for title, years in years_by_title.items():
        year, run = max(years), 0
        while year in years:
            run += 1
            year -= 1
        runs[title] = run
    return runs
