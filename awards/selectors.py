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


def holds_role(user, unit: Unit, role: str) -> bool:
    """The user holds exactly `role` on the unit or an ancestor (no administrator shortcut: a council
    seat needs the council role itself)."""
    return Membership.objects.filter(user=user, role=role, unit_id__in=path_ids(unit)).exists()


def council_seat(council: Council, user) -> CouncilMember | None:
    return CouncilMember.objects.filter(council=council, user=user, active=True).first()


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
    return Council.objects.filter(scope_filter(user, unit_field="body") | Q(members__user=user)).distinct() \
        .select_related("body").order_by("body__path")


def visible_sessions(user) -> QuerySet[ReviewSession]:
    return (
        ReviewSession.objects.filter(scope_filter(user, unit_field="council__body") | Q(council__members__user=user))
        .distinct().select_related("council", "council__body").order_by("-held_on", "-id")
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
    if not code or len(code) > 40:
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
