"""Reads of reports: rounds and deadlines, scoped report lists, completeness, statistics and trends.

Every list starts from units.selectors.scope_queryset. Completeness and statistics are grouped queries
over the materialised paths: their query count does not grow with the number of units.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr

from campaigns.models import Target
from definitions.expressions import ExpressionError, references
from definitions.models import Category, DataElement, IndicatorDefinition, PeriodKind
from units.models import PATH_SEGMENT_WIDTH, Membership, Succession, Unit
from units.roles import Role
from units.selectors import scope_filter, scope_queryset

from .models import (
    RECEIVED_STATUSES,
    DeadlineExtension,
    ExtensionRequest,
    ExtensionRequestStatus,
    Report,
    ReportingRound,
    ReportStatus,
    ReportTransition,
    StatRollup,
)

SEGMENT = PATH_SEGMENT_WIDTH + 1  # "00000012/"


# --- rounds and deadlines -------------------------------------------------------------------------


def rounds_for_year(year: int, period_kind: str = PeriodKind.YEARLY) -> list[ReportingRound]:
    """The year's rounds of one period kind: yearly by default, the rounds whose reports are the statistics'
    facts and whose expected reports completeness and `reports_on_time` count."""
    return list(ReportingRound.objects.filter(year=year, period_kind=period_kind).select_related("scope_unit"))


def _deepest_round(rounds: list[ReportingRound], unit: Unit) -> ReportingRound | None:
    """The round of the unit's level whose scope is the unit's nearest ancestor-or-self (pure, no query)."""
    matching = [r for r in rounds if r.level == unit.level and unit.path.startswith(r.scope_unit.path)]
    if not matching:
        return None
    best = max(matching, key=lambda r: len(r.scope_unit.path))
    if best.kinds and unit.kind not in best.kinds:
        return None
    if not unit.is_valid_on(best.deadline):
        return None
    return best


def round_for(unit: Unit, year: int, rounds: list[ReportingRound] | None = None,
              period_kind: str = PeriodKind.YEARLY) -> ReportingRound | None:
    return _deepest_round(rounds if rounds is not None else rounds_for_year(year, period_kind), unit)


def expected_filter(rounds: list[ReportingRound], prefix: str = "", *, base_only: bool = False) -> Q:
    """A Q over units expected to report under `rounds`; a deeper round of a level overrides a shallower one.

    `base_only`: only the units whose round is a base round (their figures are facts, not a summary).
    """
    q = Q(pk__in=[])
    for r in rounds:
        if base_only and r.is_summary:
            continue
        own = r.unit_filter(prefix)
        for deeper in rounds:
            if (deeper.level == r.level and deeper.pk != r.pk
                    and deeper.scope_unit.path.startswith(r.scope_unit.path)
                    and len(deeper.scope_unit.path) > len(r.scope_unit.path)):
                own &= ~Q(**{f"{prefix}path__startswith": deeper.scope_unit.path})
        q |= own
    return q


def effective_deadline(unit: Unit, year: int, round_: ReportingRound) -> datetime.date:
    extended = DeadlineExtension.objects.filter(unit=unit, year=year).aggregate(d=Max("new_deadline"))["d"]
    return max(round_.deadline, extended) if extended else round_.deadline


def latest_extension(unit: Unit, year: int) -> DeadlineExtension | None:
    return DeadlineExtension.objects.filter(unit=unit, year=year).select_related("granted_by").first()


def latest_extension_request(unit: Unit, year: int) -> ExtensionRequest | None:
    return (ExtensionRequest.objects.filter(unit=unit, year=year)
            .select_related("requested_by", "decided_by").first())


def extension_state(units: list[Unit], year: int) -> dict[int, dict]:
    """Per unit: the latest extended deadline and the latest request (two queries, whatever the number of units)."""
    ids = [u.pk for u in units]
    extended = dict(DeadlineExtension.objects.filter(year=year, unit_id__in=ids).values("unit_id")
                    .annotate(d=Max("new_deadline")).values_list("unit_id", "d"))
    latest: dict[int, ExtensionRequest] = {}
    for asked in ExtensionRequest.objects.filter(year=year, unit_id__in=ids).order_by("-requested_at", "-id"):
        latest.setdefault(asked.unit_id, asked)
    return {i: {"extended_to": extended.get(i), "request": latest.get(i)} for i in ids}


def extension_requests_awaiting(user) -> QuerySet[ExtensionRequest]:
    """Waiting requests of units whose parent lies in the user's REVIEWER subtrees (who may decide them)."""
    return ExtensionRequest.objects.filter(
        scope_filter(user, roles=[Role.REVIEWER], unit_field="unit__parent"),
        status=ExtensionRequestStatus.PENDING,
    ).select_related("unit", "unit__parent", "requested_by").order_by("requested_at", "id")


# --- prefill --------------------------------------------------------------------------------------


def registry_facts(unit: Unit, year: int) -> dict[str, tuple[int, int]]:
    """(recognised, total) per indicator from the registries of the unit's reporting area, for `year`.

    The area is the unit's subtree less the subtrees of the units below it that report themselves (a school
    sends its own figures): exactly the registry rows the unit's figures replace in the rollup
    (reports/facts.py). Only indicators whose registries hold rows. A fixed number of queries.
    """
    from . import facts  # facts builds on the rounds of this module

    sql, params = facts.area_registry_sql(year, unit)
    with connection.cursor() as cursor:
        cursor.execute(facts.with_depths() + sql, params)
        rows = cursor.fetchall()
    return {indicator: (int(numerator), int(denominator)) for indicator, numerator, denominator in rows if denominator}


def report_prefill(report: Report) -> dict[str, tuple[int, int]]:
    """What a new draft starts from: the rollup for a summary report, the area's registries for a base report
    (recognised and total counts alike)."""
    wanted = report.required_indicators()
    if report.is_summary:
        rows = StatRollup.objects.filter(unit=report.unit, year=report.year, indicator__in=wanted)
        return {r.indicator: (r.numerator, r.denominator) for r in rows}
    facts = registry_facts(report.unit, report.year)
    return {indicator: pair for indicator, pair in facts.items() if indicator in wanted}


# --- report lists ---------------------------------------------------------------------------------


def reports_visible(user) -> QuerySet[Report]:
    return scope_queryset(
        Report.objects.select_related("unit", "unit__parent", "round"), user, unit_field="unit"
    ).order_by("-year", "unit__path")


def reports_awaiting_review(user) -> QuerySet[Report]:
    """Submitted reports of units whose parent lies in the user's REVIEWER subtrees."""
    return Report.objects.filter(scope_filter(user, roles=[Role.REVIEWER], unit_field="unit__parent"),
                                 status=ReportStatus.SUBMITTED).select_related("unit", "round").order_by(
        "submitted_at")


def report_detail(report_id: int, user) -> Report | None:
    return reports_visible(user).prefetch_related(
        "figures", "attachments",
        Prefetch("transitions", queryset=ReportTransition.objects.select_related("by")),
    ).filter(pk=report_id).first()


# --- completeness ---------------------------------------------------------------------------------


@dataclass
class CompletenessRow:
    unit: Unit
    expected: int = 0
    received: int = 0
    on_time: int = 0
    accepted: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.received


@dataclass
class Completeness:
    unit: Unit
    year: int
    rows: list[CompletenessRow] = field(default_factory=list)
    missing_units: list[Unit] = field(default_factory=list)
    own_round: ReportingRound | None = None
    own_report: Report | None = None
    # The unit's own report when a round expects one: the rollup's reports_on_time counts it at the unit (a
    # fact at every ancestor-or-self), so the totals count it too; leaving it out showed "Phải gửi 76" beside
    # the rollup's "53/77" on one dashboard. `rows` stay the child units (the API's contract).
    own: CompletenessRow | None = None

    @property
    def totals(self) -> CompletenessRow:
        total = CompletenessRow(unit=self.unit)
        for row in ([self.own] if self.own else []) + self.rows:
            total.expected += row.expected
            total.received += row.received
            total.on_time += row.on_time
            total.accepted += row.accepted
        return total


def completeness(unit: Unit, year: int, *, missing_limit: int = 500) -> Completeness:
    """Per child unit: reports expected, received, on time, accepted in its subtree; who is still missing.

    A fixed number of grouped queries whatever the size of the tree: rounds, expected per child, reports per
    child, the children, the missing units with their officers (prefetched) and their extensions.
    """
    rounds = rounds_for_year(year)
    result = Completeness(unit=unit, year=year, own_round=_deepest_round(rounds, unit))
    if not rounds:
        return result
    child_len = len(unit.path) + SEGMENT
    # The unit itself too (its own report), exactly as the rollup counts expected reports: see Completeness.own.
    expected_units = Unit.objects.filter(expected_filter(rounds), path__startswith=unit.path)
    expected = dict(
        expected_units.annotate(child_path=Substr("path", 1, child_len)).values("child_path")
        .annotate(n=Count("id")).values_list("child_path", "n")
    )
    counts = {
        row["child_path"]: row
        for row in Report.objects.filter(year=year, period_kind=PeriodKind.YEARLY, unit__in=expected_units)
        .annotate(child_path=Substr("unit__path", 1, child_len)).values("child_path")
        .annotate(received=Count("id", filter=Q(status__in=RECEIVED_STATUSES)),
                  on_time=Count("id", filter=Q(on_time=True)),
                  accepted=Count("id", filter=Q(status=ReportStatus.ACCEPTED)))
    }
    own_expected = expected.pop(unit.path, 0)  # the unit's own path is its "child path" (cut at a longer length)
    if own_expected:
        c = counts.get(unit.path, {})
        result.own = CompletenessRow(unit=unit, expected=own_expected, received=c.get("received", 0),
                                     on_time=c.get("on_time", 0), accepted=c.get("accepted", 0))
    children = Unit.objects.filter(path__in=list(expected)).order_by("name")
    for child in children:
        c = counts.get(child.path, {})
        result.rows.append(CompletenessRow(unit=child, expected=expected[child.path], received=c.get("received", 0),
                                           on_time=c.get("on_time", 0), accepted=c.get("accepted", 0)))
    received = Report.objects.filter(year=year, period_kind=PeriodKind.YEARLY,
                                     status__in=RECEIVED_STATUSES).values("unit_id")
    has_draft = Report.objects.filter(year=year, period_kind=PeriodKind.YEARLY, unit=OuterRef("pk"),
                                      status=ReportStatus.DRAFT)
    result.missing_units = list(
        expected_units.exclude(pk__in=received).annotate(has_draft=Exists(has_draft))
        .select_related("parent").prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(role=Role.OFFICER).select_related("user"),
                     to_attr="officers"))
        .order_by("path")[:missing_limit]
    )
    extended = dict(DeadlineExtension.objects.filter(year=year, unit__in=[u.pk for u in result.missing_units])
                    .values("unit_id").annotate(d=Max("new_deadline")).values_list("unit_id", "d"))
    for missing in result.missing_units:
        missing.deadline = getattr(_deepest_round(rounds, missing), "deadline", None)
        missing.extended_to = extended.get(missing.pk)
    if result.own_round:
        result.own_report = Report.objects.filter(unit=unit, year=year, period_kind=PeriodKind.YEARLY).first()
    return result


# --- statistics -----------------------------------------------------------------------------------


def percentage(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Basis:
    """Which rule produced a statistics row (../shared/API.md, "Statistics")."""

    OWN = "own"  # the unit's own area on the year's tree
    SUCCESSORS = "successors"  # a unit dissolved before the year's end: the area that succeeded it
    PREDECESSORS = "predecessors"  # a unit created after the year: the sums over its predecessors (trends)


class TargetBasis:
    """Which rule produced a row's target (reports.targets.apply_targets and aggregation._derive_targets)."""

    OWN = "own"  # set for the unit itself
    PREDECESSORS = "predecessors"  # none set: its predecessors' targets weighted by their denominators
    GROUP = "group"  # none set: a target of a unit group the unit (or an ancestor) belongs to
    ANCESTOR = "ancestor"  # none set: the nearest ancestor's


def _ended_before_row_year(prefix: str = "unit__") -> Q:
    """Rows whose unit ended before 31/12 of the row's year (a dissolved unit's rows over its successors)."""
    return Q(**{f"{prefix}valid_to__isnull": False}) & (
        Q(**{f"{prefix}valid_to__year__lt": F("year")})
        | Q(**{f"{prefix}valid_to__year": F("year")}) & (Q(**{f"{prefix}valid_to__month__lt": 12})
                                                         | Q(**{f"{prefix}valid_to__day__lt": 31})))


def _with_bases(rows: QuerySet[StatRollup]) -> QuerySet[StatRollup]:
    """`basis` on every row, in SQL (a comparison of dates, cheap to plan). `target_basis` is not here: see
    target_bases, which names it for the rows of one page."""
    return rows.annotate(
        basis=Case(When(_ended_before_row_year(), then=Value(Basis.SUCCESSORS)), default=Value(Basis.OWN),
                   output_field=CharField()),
    )


def _with_target_bases_sql(rows: QuerySet[StatRollup]) -> QuerySet[StatRollup]:
    """`target_basis` in SQL, as a correlated probe per row: what stats_rows(..., target_basis=True) gives its
    readers (tests, scripts) that want it on every row. The API's listing names it with target_bases instead:
    these probes made PostgreSQL plan the listing's query 25 times longer than it ran."""
    same = {"year": OuterRef("year"), "indicator": OuterRef("indicator")}
    own_target = Target.objects.filter(unit=OuterRef("unit"), unit_group__isnull=True, **same)
    group_target = Target.objects.filter(unit_group__isnull=False, **same).annotate(
        row_path=ExpressionWrapper(OuterRef("unit__path"), output_field=CharField())).filter(
        row_path__startswith=F("unit_group__units__path"), unit_group__units__path__startswith=F("unit__path"))
    predecessor_target = Target.objects.filter(
        unit__successions_out__successor=OuterRef("unit"), unit_group__isnull=True, **same,
        unit__stat_rollups__year=OuterRef("year"), unit__stat_rollups__indicator=OuterRef("indicator"),
        unit__stat_rollups__denominator__gt=0)
    return rows.annotate(
        target_basis=Case(
            When(target__isnull=True, then=Value(None)),
            When(Exists(own_target), then=Value(TargetBasis.OWN)),
            When(Exists(predecessor_target), then=Value(TargetBasis.PREDECESSORS)),
            When(Exists(group_target), then=Value(TargetBasis.GROUP)),
            default=Value(TargetBasis.ANCESTOR), output_field=CharField(null=True)),
    )


RowKey = tuple[int, int, str]  # (unit id, year, indicator) of a statistics row


def target_bases(rows: list[tuple[int, str, int, str]]) -> dict[RowKey, str]:
    """Which rule produced each row's target, by the tests the rebuild used (reports/targets.py), for the rows
    (unit id, unit path, year, indicator) of one answer that have a target: own, else the predecessors', else a
    group's, else the nearest ancestor's.

    Three plain queries over the page's units, and none when no row has a target. Until 12/2026 these were three
    correlated EXISTS per row inside the rows' own query: PostgreSQL then spent 25 times longer planning that
    query than running it (docs/benchmarks.md, "uncached commune listing"); planned apart, each is trivial.
    """
    if not rows:
        return {}
    unit_ids = {unit_id for unit_id, _path, _year, _indicator in rows}
    years = {year for _u, _p, year, _i in rows}
    indicators = {indicator for _u, _p, _y, indicator in rows}
    same = {"year__in": years, "indicator__in": indicators}
    own = set(Target.objects.filter(unit_group__isnull=True, unit_id__in=unit_ids, **same)
              .values_list("unit_id", "year", "indicator"))
    # A predecessor's own target, when the predecessor has a rollup row of that year and indicator with a
    # denominator (the weights of the weighted mean): keyed by the successor, the row's unit.
    via_predecessors = set(Target.objects.filter(
        unit_group__isnull=True, unit__successions_out__successor_id__in=unit_ids, **same,
        unit__stat_rollups__year=F("year"), unit__stat_rollups__indicator=F("indicator"),
        unit__stat_rollups__denominator__gt=0).values_list("unit__successions_out__successor_id", "year", "indicator"))
    # A group target reaches a row when a member of the group inside the target's unit is the row's unit or one of
    # its ancestors (the same member for both tests).
    groups: dict[tuple[int, str], list[tuple[str, str]]] = {}
    group_targets = Target.objects.filter(unit_group__isnull=False, **same).values_list(
        "year", "indicator", "unit__path", "unit_group__units__path")
    for year, indicator, target_path, member_path in group_targets:
        if member_path is not None and member_path.startswith(target_path):
            groups.setdefault((year, indicator), []).append((target_path, member_path))
    found: dict[RowKey, str] = {}
    for unit_id, path, year, indicator in rows:
        key = (unit_id, year, indicator)
        if key in own:
            found[key] = TargetBasis.OWN
        elif key in via_predecessors:
            found[key] = TargetBasis.PREDECESSORS
        elif any(path.startswith(member) for _t, member in groups.get((year, indicator), ())):
            found[key] = TargetBasis.GROUP
        else:
            found[key] = TargetBasis.ANCESTOR
    return found


def stat_indicator(slug: str) -> IndicatorDefinition | None:
    """The indicator the statistics answer for `slug`: a built-in one (always, as before forms were data) or an
    active one defined as data; None for anything else."""
    return IndicatorDefinition.objects.filter(Q(builtin=True) | Q(is_active=True), slug=slug).first()


def indicator_breakdown(definition: IndicatorDefinition) -> Category | None:
    """The breakdown the indicator's statistics have rows per option of: the one category shared by every element
    its numerator and denominator read, when none is built-in and no reference names an option itself."""
    if definition.builtin:
        return None
    try:
        refs = [*references(definition.numerator), *references(definition.denominator)]
    except ExpressionError:
        return None
    if not refs or any(ref.option is not None for ref in refs):
        return None
    codes = {ref.element for ref in refs}
    elements = list(DataElement.objects.filter(code__in=codes).select_related("category"))
    if len(elements) != len(codes) or any(e.is_builtin or e.category_id is None for e in elements):
        return None
    categories = {e.category_id for e in elements}
    return elements[0].category if len(categories) == 1 else None


def stats_rows(user, *, indicator: str | None = None, unit: Unit | None = None, year: int | None = None,
               level: str | None = None, by: Category | None = None, target_basis: bool = True
               ) -> QuerySet[StatRollup]:
    """Stored rollups in the caller's scope. A list of a unit's descendants (`level`) holds the units on each
    row's tree only: a province dissolved in 2025 has 2025 rows over its successors, which the new province's
    communes already count; asked for by itself, it answers them (basis `successors`).

    Without `by`: the indicators' own rows (no option), exactly the rows of before breakdowns. With `by` (a
    category): the rows per option of that breakdown, in the options' order. Each row has `basis`, and
    `target_basis` unless `target_basis=False` (the API then names it with target_bases for its page only)."""
    rows = _with_bases(scope_queryset(StatRollup.objects.select_related("unit"), user, unit_field="unit"))
    if target_basis:
        rows = _with_target_bases_sql(rows)
    if by is None:
        rows = rows.filter(option__isnull=True)
    else:
        rows = rows.filter(option__category=by).select_related("option")
    if indicator:
        rows = rows.filter(indicator=indicator)
    if year:
        rows = rows.filter(year=year)
    if unit is not None and level:
        rows = rows.filter(unit__path__startswith=unit.path, unit__level=level).exclude(unit=unit)
    elif unit is not None:
        rows = rows.filter(unit=unit)
    elif level:
        rows = rows.filter(unit__level=level)
    if level:
        rows = rows.exclude(_ended_before_row_year())
    if by is not None:
        return rows.order_by("unit__path", "year", "indicator", "option__order", "option__code")
    return rows.order_by("unit__path", "year", "indicator")


def indicator_percentage(definition: IndicatorDefinition | None, numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × the indicator's factor, to its decimals (stored rollups keep two places)."""
    if definition is None or definition.builtin:
        return percentage(numerator, denominator)
    if not denominator:
        return None
    places = Decimal(1).scaleb(-min(definition.decimals, 2))
    return (Decimal(numerator) * definition.factor / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


def targets_for(unit: Unit, indicator: str, years: list[int]) -> dict[int, Decimal]:
    """The target per year by the rollup's precedence (reports/targets.py): the unit's own, else a target of a
    group the unit or an ancestor belongs to (deepest target unit first), else the nearest ancestor's (one query)."""
    ancestor_ids = [int(seg) for seg in unit.path.strip("/").split("/") if seg]
    applies = Q(unit_group__isnull=True) | Q(unit_group__units__id__in=ancestor_ids,
                                              unit_group__units__path__startswith=F("unit__path"))
    best: dict[int, tuple[tuple[int, int, int], Decimal]] = {}
    for t in Target.objects.filter(applies, unit_id__in=ancestor_ids, indicator=indicator, year__in=years).values(
            "id", "year", "percentage", "unit_id", "unit_group_id", "unit__depth"):
        rank = 1 if t["unit_group_id"] else 0 if t["unit_id"] == unit.pk else 2
        key = (-rank, t["unit__depth"], t["id"])  # the greatest key wins
        if t["year"] not in best or key > best[t["year"]][0]:
            best[t["year"]] = (key, t["percentage"])
    return {year: pct for year, (_key, pct) in best.items()}


@dataclass
class TrendRow:
    year: int
    numerator: int | None
    denominator: int | None
    percentage: Decimal | None
    target: Decimal | None
    on_track: bool | None
    partial: bool
    source: str  # "own", "predecessors" or "none"
    basis: str = Basis.OWN  # the rule for the year (Basis), whether or not it found figures


def _basis_for(unit: Unit, year: int) -> str:
    if _uses_predecessors(unit, year):
        return Basis.PREDECESSORS
    if unit.valid_to is not None and unit.valid_to < datetime.date(year, 12, 31):
        return Basis.SUCCESSORS
    return Basis.OWN


def _uses_predecessors(unit: Unit, year: int) -> bool:
    """A unit created by the reform did not exist in `year`: its figures then come from its predecessors."""
    return unit.valid_from is not None and unit.valid_from > datetime.date(year, 12, 31)


def trend(unit: Unit, indicator: str, year_from: int, year_to: int) -> list[TrendRow]:
    """One row per year; before the unit existed, the sums over its predecessors (primary edges only).

    A split predecessor counts only toward its primary successor; such a row is flagged partial.
    """
    years = list(range(year_from, year_to + 1))
    definition = stat_indicator(indicator)
    builtin = definition is None or definition.builtin
    own = {r.year: r for r in StatRollup.objects.filter(unit=unit, indicator=indicator, year__in=years,
                                                         option__isnull=True)}
    lineage_years = [y for y in years if _uses_predecessors(unit, y)]
    via_lineage: dict[int, dict] = {}
    partial = False
    if lineage_years:
        edges = list(Succession.objects.filter(successor=unit, primary=True).values_list("predecessor_id", "partial"))
        partial = any(p for _pid, p in edges)
        via_lineage = {
            row["year"]: row for row in StatRollup.objects.filter(
                unit_id__in=[pid for pid, _p in edges], indicator=indicator, year__in=lineage_years,
                option__isnull=True)
            .values("year").annotate(n=Sum("numerator"), d=Sum("denominator"))
        }
    targets = targets_for(unit, indicator, years)
    rows = []
    for year in years:
        target, basis = targets.get(year), _basis_for(unit, year)
        if year in lineage_years and year in via_lineage:
            n, d, source, is_partial = via_lineage[year]["n"], via_lineage[year]["d"], "predecessors", partial
        elif year in own:
            # A stored row carries the rebuild's target (own, derived from predecessors, or an ancestor's) and
            # on_track: the trend shows what /stats/ shows for that year, never a second computation.
            row = own[year]
            # A data-defined indicator's percentage was computed from its unrounded expressions (factor, decimals).
            pct = percentage(row.numerator, row.denominator) if builtin else row.percentage
            rows.append(TrendRow(year, row.numerator, row.denominator, pct, row.target, row.on_track, False, "own",
                                 basis))
            continue
        else:
            rows.append(TrendRow(year, None, None, None, target, None, year in lineage_years and partial, "none",
                                 basis))
            continue
        pct = indicator_percentage(definition, n, d)
        on_track = None if pct is None or target is None else n * 100 >= target * d
        rows.append(TrendRow(year, n, d, pct, target, on_track, is_partial, source, basis))
    return rows
