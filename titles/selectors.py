"""Reads of titles. Every list starts from units.selectors.scope_queryset (the user's subtrees)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from campaigns.indicators import Indicator
from core.errors import DomainError
from units.models import Citizen, Clan, Household, Kind, Level, Membership, Unit
from units.roles import READ_ROLES, Role
from units.selectors import can_act_on, scope_queryset, today, units_valid_on, valid_on  # noqa: F401 - today re-exported

from .models import (
    ApprovalRule,
    CriteriaSet,
    Decision,
    Evaluation,
    EvaluationList,
    ImportJob,
    ListEntry,
    Recognition,
    SubjectKind,
    TitleType,
)


def title_types(on: datetime.date | None = None) -> QuerySet[TitleType]:
    qs = TitleType.objects.prefetch_related("approval_rules")
    if on is not None:
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return qs.order_by("order", "slug")


def current_criteria_set(title_type: TitleType) -> CriteriaSet | None:
    """The latest published version: what a new self-assessment or list uses."""
    return (
        CriteriaSet.objects.filter(title_type=title_type, status=CriteriaSet.Status.PUBLISHED)
        .order_by("-version").first()
    )


@dataclass(frozen=True)
class Authority:
    """Who recognises a subject: the rule in force and the unit whose approvers act and whose body issues
    the decision (an ancestor's People's Committee, an agency such as the Sở, or the subject's own agency)."""

    rule: ApprovalRule
    unit: Unit

    @property
    def issuer_kind(self) -> str:
        """The IssuingBody kind (core.documents): a People's Committee, or an agency deciding through its head."""
        return "people_committee" if self.rule.issuer == ApprovalRule.Issuer.PEOPLE_COMMITTEE else "agency"


def _specificity(rule: ApprovalRule) -> tuple[int, int]:
    return (int(rule.level is not None) + int(bool(rule.subject_unit_level)) + int(bool(rule.subject_parent_level)),
            -rule.pk)


def approval_rule(*, title_type: TitleType, level: int, unit: Unit, on: datetime.date) -> ApprovalRule:
    """The most specific rule in force on `on` for this title, level and subject unit (the unit the subject
    is, or the hamlet/agency it belongs to; for a commune's yearly list, the commune)."""
    parent_level = unit.parent.level if unit.parent_id else ""
    rules = [
        r for r in title_type.approval_rules.all()
        if r.in_force(on) and (r.level is None or r.level == level)
        and (not r.subject_unit_level or r.subject_unit_level == unit.level)
        and (not r.subject_parent_level or r.subject_parent_level == parent_level)
    ]
    rule = max(rules, key=_specificity, default=None)
    if rule is None:
        raise DomainError(
            _("Chưa cấu hình cấp có thẩm quyền công nhận danh hiệu “%(title)s” cho “%(unit)s” vào ngày %(on)s.")
            % {"title": title_type.name, "unit": unit.name, "on": on.strftime("%d/%m/%Y")},
            code="no_authority",
        )
    return rule


def recognising_authority(*, title_type: TitleType, level: int, unit: Unit, on: datetime.date) -> Authority:
    rule = approval_rule(title_type=title_type, level=level, unit=unit, on=on)
    ids = [int(seg) for seg in unit.path.strip("/").split("/") if seg]
    base = Unit.objects.filter(pk__in=ids, level=rule.authority_level).order_by("-depth").first()
    if base is None:
        raise DomainError(
            _("Không xác định được cấp có thẩm quyền công nhận (%(level)s) cho đơn vị “%(unit)s”.")
            % {"level": rule.get_authority_level_display(), "unit": unit.name},
            code="no_authority",
        )
    if rule.issuer != ApprovalRule.Issuer.AGENCY:
        return Authority(rule=rule, unit=base)
    # The agency is a unit of its own under the level's unit (Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh).
    agency = (
        units_valid_on(Unit.objects.filter(parent=base, level=Level.ORGANISATION,
                                           name__istartswith=rule.authority_name), on)
        .order_by("pk").first()
    )
    if agency is None:
        raise DomainError(
            _("Chưa có “%(agency)s” trực thuộc “%(unit)s” trong danh mục đơn vị: không xác định được cơ quan "
              "công nhận.") % {"agency": rule.authority_name, "unit": base.name},
            code="no_authority",
        )
    return Authority(rule=rule, unit=agency)


def approval_authority(*, title_type: TitleType, level: int, unit: Unit, on: datetime.date) -> Unit:
    """The unit whose approvers recognise `unit` for this title and level on `on`."""
    return recognising_authority(title_type=title_type, level=level, unit=unit, on=on).unit


# --- which titles a subject may seek -------------------------------------------------------------


def title_applies_to(title_type: TitleType, unit: Unit) -> bool:
    """A unit title is offered only to the units it is made for: the level (a hamlet's title is not a
    university's) and, where the title names them, the kinds (no Đơn vị học tập for a learning centre)."""
    return (title_type.subject_kind == SubjectKind.UNIT and title_type.unit_level == unit.level
            and (not title_type.unit_kinds or unit.kind in title_type.unit_kinds))


def unit_title_types_for(units, on: datetime.date | None = None) -> QuerySet[TitleType]:
    """Unit titles in force that apply to at least one of `units` (the self-assessment form's choices)."""
    units = list(units)
    ids = [t.pk for t in title_types(on).filter(subject_kind=SubjectKind.UNIT)
           if any(title_applies_to(t, u) for u in units)]
    return title_types(on).filter(pk__in=ids)


def units_with_titles(units, on: datetime.date | None = None) -> QuerySet[Unit]:
    """Of `units`, those some unit title in force applies to."""
    titles = list(title_types(on).filter(subject_kind=SubjectKind.UNIT))
    units = list(units)
    return Unit.objects.filter(pk__in=[u.pk for u in units if any(title_applies_to(t, u) for t in titles)]
                               ).order_by("name")


def criteria_set_detail(pk: int) -> CriteriaSet:
    return CriteriaSet.objects.select_related("title_type").prefetch_related("criteria", "thresholds").get(pk=pk)


def visible_evaluations(user) -> QuerySet[Evaluation]:
    """Self-assessments anyone with a role over the unit may read."""
    return scope_queryset(
        Evaluation.objects.select_related("title_type", "criteria_set", "unit", "unit__parent"), user
    ).order_by("-year", "unit__path")


def approval_queue(user) -> QuerySet[Evaluation]:
    """Submitted self-assessments in the subtrees where the user approves titles. Whether their
    membership is at the right level is checked per action (approval_authority)."""
    return scope_queryset(
        Evaluation.objects.filter(status=Evaluation.Status.SUBMITTED)
        .select_related("title_type", "unit", "unit__parent"),
        user, roles=[Role.APPROVER],
    ).order_by("submitted_at")


def evaluation_detail(user, pk: int) -> Evaluation | None:
    return (
        visible_evaluations(user).select_related("submitted_by", "reviewed_by")
        .prefetch_related("results__criterion", "results__evidence", "criteria_set__thresholds",
                          "criteria_set__criteria", "title_type__approval_rules")
        .filter(pk=pk).first()
    )


def visible_recognitions(user) -> QuerySet[Recognition]:
    return scope_queryset(
        Recognition.objects.select_related("title_type", "decision", "unit", "household", "clan", "citizen"), user
    ).order_by("-year", "id")


def visible_decision(user, pk: int) -> Decision | None:
    """A decision whoever sees one of its recognitions may read, as may anyone with a role over the deciding
    body's unit (a decision whose recognitions were all revoked stays readable to it)."""
    decision = Decision.objects.select_related("title_type", "authority").filter(pk=pk).first()
    if decision is None:
        return None
    if visible_recognitions(user).filter(decision_id=pk).exists() or can_act_on(user, decision.authority, READ_ROLES):
        return decision
    return None


def subject_history(user, *, unit: Unit | None = None, household: Household | None = None) -> QuerySet[Recognition]:
    """Every recognition of one subject, newest first: the page shows the run of consecutive years."""
    qs = visible_recognitions(user)
    if household is not None:
        return qs.filter(household=household).order_by("-year")
    return qs.filter(subject_kind=SubjectKind.UNIT, unit=unit).order_by("-year")


def consecutive_years(years: list[int]) -> int:
    """How many years in a row, ending with the latest, the subject held a title."""
    run, expected = 0, None
    for year in sorted(set(years), reverse=True):
        if expected is not None and year != expected:
            break
        run, expected = run + 1, year - 1
    return run


def visible_lists(user) -> QuerySet[EvaluationList]:
    return scope_queryset(
        EvaluationList.objects.select_related("unit", "title_type", "decision").annotate(
            n_entries=Count("entries"), n_passed=Count("entries", filter=Q(entries__passed=True))
        ),
        user,
    ).order_by("-year", "unit__name")


def list_entries(evaluation_list: EvaluationList) -> QuerySet[ListEntry]:
    return evaluation_list.entries.select_related("hamlet", "household", "clan", "citizen").order_by(
        "hamlet__name", "household__code", "id"
    )


def visible_import_jobs(user) -> QuerySet[ImportJob]:
    return scope_queryset(ImportJob.objects.select_related("evaluation_list__unit", "evaluation_list__title_type"),
                          user, unit_field="evaluation_list__unit")


# --- registries: households, clans, citizens of the commune's hamlets -------------------------------

REGISTRIES = {"households": Household, "clans": Clan, "citizens": Citizen}
REGISTRY_ORDER = {"households": ("unit__name", "code"), "clans": ("unit__name", "name"),
                  "citizens": ("unit__name", "full_name")}
REGISTRY_SEARCH = {"households": ("code", "head_name"), "clans": ("name",), "citizens": ("full_name",)}


def visible_registry(user, kind: str, *, hamlet_id: int | None = None, query: str = "") -> QuerySet:
    """Households, clans or citizens (`kind`, a key of REGISTRIES) in the user's subtrees."""
    model = REGISTRIES[kind]
    qs = scope_queryset(model.objects.select_related("unit", "unit__parent"), user)
    if model is Citizen:
        qs = qs.select_related("household")
    if hamlet_id:
        qs = qs.filter(unit_id=hamlet_id)
    if query:
        match = Q()
        for field in REGISTRY_SEARCH[kind]:
            match |= Q(**{f"{field}__icontains": query})
        qs = qs.filter(match)
    return qs.order_by(*REGISTRY_ORDER[kind], "pk")


def officer_hamlets(user) -> QuerySet[Unit]:
    """Hamlets valid today whose registries the user keeps: officer of the hamlet or of its commune."""
    held = Membership.objects.filter(user=user, role__in=[Role.OFFICER, Role.ADMIN]).values("unit_id")
    hamlets = Unit.objects.filter(level=Level.HAMLET).filter(Q(pk__in=held) | Q(parent_id__in=held))
    return units_valid_on(scope_queryset(hamlets, user, roles=[Role.OFFICER], unit_field=""), today()).order_by(
        "name", "pk")


# --- statistics ------------------------------------------------------------------------------------

# Organisations that count in the denominator of units_learning_unit (a faculty or a learning centre
# is part of another unit, not an agency of its own).
LEARNING_UNIT_KINDS = (Kind.MINISTRY, Kind.PEOPLES_COMMITTEE, Kind.DEPARTMENT, Kind.AGENCY, Kind.SCHOOL,
                       Kind.UNIVERSITY, Kind.ENTERPRISE, Kind.ASSOCIATION)


def _in_force(year: int) -> Q:
    """A recognition counts for `year` when it was granted for that year, or is still in force on
    31/12 of it (a commune recognised for 36 months counts in each of those years); never if revoked."""
    end = datetime.date(year, 12, 31)
    return Q(revoked_at__isnull=True) & (Q(year=year) | Q(valid_from__lte=end, valid_to__gte=end))


def _recognised(indicator: str, year: int, **outer) -> Exists:
    return Exists(Recognition.objects.filter(_in_force(year), title_type__indicator=indicator, **outer))


def on_year_tree(year: int) -> Q:
    """Units on the tree of `year`: the unit and its parent both valid on 31/12 of the year.

    A year is counted on one tree. 2025 is counted on the two-tier tree (communes ended 30/06/2025 would
    otherwise be counted beside the communes that succeeded them), and 2023–2024 on the pre-reform tree: a hamlet
    or a school registered under a commune created by the reform is not counted before that commune existed
    (its predecessors' reports stand for that area then; reports.selectors.trend sums them).
    """
    year_end = datetime.date(year, 12, 31)
    return valid_on(year_end) & (Q(parent__isnull=True) | valid_on(year_end, "parent__"))


def _per_registry_unit(base: QuerySet, indicator: str, recognised: Exists) -> QuerySet:
    """Registry rows (households, clans, citizens) grouped by their unit: recognised ÷ all.

    Every registry unit, on the year's tree or not: callers keep the units on it *after* grouping
    (reports.facts.registry_facts_sql, recognition_facts), a join with a few thousand grouped rows. Filtering
    the millions of registry rows first made the rollup of a 1,000,000-household province 1.7× slower.
    """
    return (
        base.annotate(ok=recognised).values("unit_id")
        .annotate(numerator=Count("pk", filter=Q(ok=True)), denominator=Count("pk"))
        .annotate(indicator=Value(indicator))
        .values("unit_id", "indicator", "numerator", "denominator")
    )


def _units_as_subjects(indicator: str, unit_filter: Q, year: int) -> QuerySet:
    """Units that are themselves the subject (a hamlet, a commune, a school): 1 or 0 out of 1."""
    recognised = _recognised(indicator, year, subject_kind=SubjectKind.UNIT, unit=OuterRef("pk"))
    return (
        Unit.objects.filter(unit_filter, on_year_tree(year))
        .annotate(
            numerator=Case(When(recognised, then=Value(1)), default=Value(0), output_field=IntegerField()),
            denominator=Value(1, output_field=IntegerField()),
            indicator=Value(indicator),
        )
        .values("indicator", "numerator", "denominator", unit_id=F("pk"))
    )


REGISTRY_INDICATORS = frozenset({
    Indicator.HOUSEHOLDS_LEARNING_FAMILY, Indicator.CLANS_LEARNING_CLAN, Indicator.CITIZENS_LEARNING_CITIZEN,
    Indicator.WORKERS_LEARNING_CITIZEN, Indicator.OFFICIALS_LEARNING_CITIZEN,
})


def recognition_fact_querysets(year: int) -> dict[str, QuerySet]:
    """One set-based query per indicator; see recognition_facts for the contract, except that the registry
    indicators (REGISTRY_INDICATORS) return every registry unit: keep those on the year's tree yourself."""
    ind = Indicator

    def held(indicator: str, **outer) -> Exists:
        return _recognised(indicator, year, **outer)

    citizen = held(ind.CITIZENS_LEARNING_CITIZEN, citizen=OuterRef("pk"))
    in_family = held(ind.HOUSEHOLDS_LEARNING_FAMILY, household=OuterRef("household_id"))
    in_community = held(ind.HAMLETS_LEARNING_COMMUNITY, subject_kind=SubjectKind.UNIT, unit=OuterRef("unit_id"))
    in_learning_unit = held(ind.UNITS_LEARNING_UNIT, subject_kind=SubjectKind.UNIT, unit=OuterRef("unit_id"))
    return {
        ind.HOUSEHOLDS_LEARNING_FAMILY: _per_registry_unit(
            Household.objects.all(), ind.HOUSEHOLDS_LEARNING_FAMILY,
            held(ind.HOUSEHOLDS_LEARNING_FAMILY, household=OuterRef("pk"))),
        ind.CLANS_LEARNING_CLAN: _per_registry_unit(
            Clan.objects.all(), ind.CLANS_LEARNING_CLAN, held(ind.CLANS_LEARNING_CLAN, clan=OuterRef("pk"))),
        ind.CITIZENS_LEARNING_CITIZEN: _per_registry_unit(
            Citizen.objects.all(), ind.CITIZENS_LEARNING_CITIZEN, citizen),
        ind.WORKERS_LEARNING_CITIZEN: _per_registry_unit(
            Citizen.objects.exclude(workplace="").filter(in_family | in_community),
            ind.WORKERS_LEARNING_CITIZEN, citizen),
        ind.OFFICIALS_LEARNING_CITIZEN: _per_registry_unit(
            Citizen.objects.filter(in_learning_unit), ind.OFFICIALS_LEARNING_CITIZEN, citizen),
        ind.HAMLETS_LEARNING_COMMUNITY: _units_as_subjects(ind.HAMLETS_LEARNING_COMMUNITY, Q(level=Level.HAMLET), year),
        ind.COMMUNES_LEARNING_COMMUNITY: _units_as_subjects(
            ind.COMMUNES_LEARNING_COMMUNITY, Q(level=Level.COMMUNE), year),
        ind.UNITS_LEARNING_UNIT: _units_as_subjects(
            ind.UNITS_LEARNING_UNIT, Q(level=Level.ORGANISATION, kind__in=LEARNING_UNIT_KINDS), year),
        ind.DISTRICTS_LEARNING_DISTRICT: _units_as_subjects(
            ind.DISTRICTS_LEARNING_DISTRICT, Q(level=Level.DISTRICT), year),
    }


def recognition_facts(year: int) -> list[dict]:
    """Numerators and denominators of the title indicators for `year`, per base unit.

    Contract (for the statistics rollup):
    - Returns rows `{"unit_id", "indicator", "numerator", "denominator"}`; `indicator` is a slug of
      campaigns.indicators.Indicator. Only units with at least one eligible subject appear.
    - `unit_id` is the base unit the subjects belong to: the hamlet (or whatever unit the registry row
      points at) for households, clans and citizens; the subject unit itself for hamlets, communes,
      districts and organisations (numerator 0 or 1, denominator 1). Sum over a subtree's base units
      (path prefix) to get any level's figures; never average percentages.
    - A subject counts in the numerator when it holds an unrevoked recognition granted for `year`, or
      one still in force on 31/12/`year` (36-month community and unit recognitions span years).
    - Denominators: households, clans, citizens in the registries (today's registry: they carry no
      dates) of units on the year's tree (on_year_tree: the unit and its parent valid on 31/12/`year`);
      hamlets, communes, districts, organisations on that tree
      (organisations of the kinds in LEARNING_UNIT_KINDS).
      workers_learning_citizen: citizens with a workplace in a household recognised Gia đình học tập
      or a hamlet recognised Cộng đồng học tập; officials_learning_citizen: citizens registered under
      an organisation recognised Đơn vị học tập.
    - learning_centres_using_it and reports_on_time are not title facts and are not returned.
    Each indicator is one set-based query (values().annotate()); use recognition_fact_querysets to
    filter or aggregate further in SQL.
    """
    rows: list[dict] = []
    for indicator, qs in recognition_fact_querysets(year).items():
        found = list(qs)
        if indicator in REGISTRY_INDICATORS:
            ids = {row["unit_id"] for row in found}
            on_tree = set(Unit.objects.filter(on_year_tree(year), pk__in=ids).values_list("pk", flat=True))
            found = [row for row in found if row["unit_id"] in on_tree]
        rows.extend(found)
    return rows
