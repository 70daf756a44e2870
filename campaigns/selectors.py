"""Reads of campaigns, plans and targets; every list starts from the units scoping selector.

Who sees a plan: everything issued or drafted in the subtrees the user reaches, plus the *issued* plans
of the bodies above them (their ancestor units and the organisations hanging directly under those,
e.g. the provincial People's Committee for a commune officer): a plan is a public act for the units
that must carry it out, so the cascade can be followed upwards. Drafts never leave their subtree.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from definitions.models import IndicatorDefinition
from units import selectors as unit_selectors
from units.models import Level, Unit

from .indicators import Indicator
from .models import Campaign, Phase, Plan, Target

CHAIN_LIMIT = 50
CASCADE_MAX_DEPTH = 6  # national → ministry/province → department → district → commune → school


def _ancestor_ids(user) -> set[int] | None:
    """Ids of every unit on the way from the root to each unit the user holds a role on; None = all."""
    if user.is_superuser:
        return None
    ids: set[int] = set()
    for path in unit_selectors.scope_roots(user).values_list("path", flat=True):
        ids.update(int(segment) for segment in path.strip("/").split("/") if segment)
    return ids


def plan_visibility_q(user, *, prefix: str = "") -> Q:
    """A Q on Plan (or on a relation to it, with `prefix` like "plan__") for the plans `user` may read."""
    if not user or not user.is_authenticated:
        return Q(pk__in=[])
    ancestors = _ancestor_ids(user)
    if ancestors is None:
        return Q()
    own = unit_selectors.scope_filter(user, unit_field=f"{prefix}unit")
    above = Q(**{f"{prefix}status": Plan.Status.ISSUED}) & (
        Q(**{f"{prefix}unit_id__in": ancestors})
        | Q(**{f"{prefix}unit__parent_id__in": ancestors, f"{prefix}unit__level": Level.ORGANISATION})
    )
    return own | above


def visible_plans(user) -> QuerySet[Plan]:
    return (
        Plan.objects.filter(plan_visibility_q(user))
        .select_related("unit", "campaign", "parent", "parent__unit", "supersedes")
    )


def plan_list(user, *, unit: Unit | None = None, status: str = "", campaign_id: int | None = None,
              query: str = "") -> QuerySet[Plan]:
    # Issued children only: a count of drafts would tell about plans the user may not see.
    issued_children = Count("children", filter=Q(children__status=Plan.Status.ISSUED), distinct=True)
    plans = visible_plans(user).annotate(n_children=issued_children)
    if unit is not None:
        plans = plans.filter(unit=unit)
    if status in Plan.Status.values:
        plans = plans.filter(status=status)
    if campaign_id:
        plans = plans.filter(campaign_id=campaign_id)
    for word in query.split():
        plans = plans.filter(Q(number__icontains=word) | Q(title__icontains=word))
    return plans.order_by("-issued_on", "-pk")


def plan_get(user, pk: int) -> Plan | None:
    return visible_plans(user).filter(pk=pk).first()


def plan_cascade(user, plan: Plan) -> dict:
    """The chain of parent plans up to the top, and the tree of children plans the user may see."""
    ancestors: list[Plan] = []
    current = plan
    while current.parent_id and len(ancestors) < CASCADE_MAX_DEPTH:
        parent = visible_plans(user).filter(pk=current.parent_id).first()
        if parent is None:
            break  # the rest of the chain lies outside what the user may read
        ancestors.append(parent)
        current = parent
    ancestors.reverse()

    # Children, one query per generation, each already scoped; kept as (depth, plan) rows to print.
    rows: list[tuple[int, Plan]] = []
    children_of: dict[int, list[Plan]] = {}
    generation = [plan.pk]
    for _depth in range(CASCADE_MAX_DEPTH):
        found = list(visible_plans(user).filter(parent_id__in=generation).order_by("issued_on", "pk"))
        if not found:
            break
        for child in found:
            children_of.setdefault(child.parent_id, []).append(child)
        generation = [c.pk for c in found]

    def walk(pk: int, depth: int) -> None:
        for child in children_of.get(pk, []):
            rows.append((depth, child))
            walk(child.pk, depth + 1)

    walk(plan.pk, 0)
    return {"ancestors": ancestors, "descendants": rows}


def plan_versions(user, plan: Plan) -> list[Plan]:
    """Every version of the document the user may read, oldest first. Corrections are rare, so the
    chain is short; a hard stop guards against a corrupted loop."""
    first, steps = plan, 0
    while first.supersedes_id and steps < CHAIN_LIMIT:
        first = Plan.objects.get(pk=first.supersedes_id)
        steps += 1
    chain = [first]
    while len(chain) < CHAIN_LIMIT:
        following = Plan.objects.filter(supersedes=chain[-1]).first()
        if following is None:
            break
        chain.append(following)
    readable = set(visible_plans(user).filter(pk__in=[p.pk for p in chain]).values_list("pk", flat=True))
    return [p for p in chain if p.pk in readable]


def target_indicators() -> QuerySet[IndicatorDefinition]:
    """Indicators a new target may be set for: every active one defined as data, and the built-in slugs of the
    API (the district one, void since the 2025 reform, stays for the history of 2023–2025 plans)."""
    return IndicatorDefinition.objects.filter(Q(is_active=True) | Q(slug__in=Indicator.values)).order_by(
        "-builtin", "name")


def with_indicator_names(targets: QuerySet[Target]) -> QuerySet[Target]:
    """`indicator_name` on each target (Target.get_indicator_display reads it): one subquery, not a query a row."""
    name = IndicatorDefinition.objects.filter(slug=OuterRef("indicator")).values("name")[:1]
    return targets.annotate(indicator_name=Subquery(name))


def plan_targets(plan: Plan) -> QuerySet[Target]:
    return with_indicator_names(plan.targets.select_related("unit", "unit_group")).order_by("year", "indicator")


def visible_targets(user) -> QuerySet[Target]:
    """Targets set for the user's units and the units above them; those of plans follow plan visibility."""
    if not user or not user.is_authenticated:
        return Target.objects.none()
    ancestors = _ancestor_ids(user)
    if ancestors is None:
        scope = Q()
    else:
        without_plan = Q(plan__isnull=True) & (unit_selectors.scope_filter(user) | Q(unit_id__in=ancestors))
        scope = without_plan | (Q(plan__isnull=False) & plan_visibility_q(user, prefix="plan__"))
    return with_indicator_names(Target.objects.filter(scope).select_related("unit", "plan", "unit_group"))


def campaigns() -> QuerySet[Campaign]:
    """The campaign is national: every signed-in user may read it."""
    return Campaign.objects.prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("number")))


def administrative_scope(unit: Unit) -> Unit:
    """The unit itself if administrative, else the nearest administrative ancestor (an organisation's
    plan sets targets for the area it serves: the Hội Khuyến học tỉnh for its province)."""
    if unit.level != Level.ORGANISATION:
        return unit
    for ancestor in reversed(unit_selectors.unit_ancestors(unit)):
        if ancestor.level != Level.ORGANISATION:
            return ancestor
    return unit
