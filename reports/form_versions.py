"""Which form version a report is filled on, and that version's layout (definitions as data, issue 14).

A report keeps the version it was opened with (Report.form_version). The version for a new report is the latest
*published* version of the round's form (or of the form matching the unit's level, kind, summary flag and period
kind) that applies to the year. The layout of a version — its sections, fields, elements with their options and
its rules — is read once and cached: a published version is frozen, so its layout never changes under a reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db.models import Q

from definitions.expressions import ExpressionError, references
from definitions.models import (
    DataElement,
    FormField,
    PeriodKind,
    ReportForm,
    ReportFormVersion,
    ValidationRule,
    VersionStatus,
)
from units.models import Unit

LAYOUT_CACHE_SECONDS = 600  # element names may be corrected by an administrator: seen within ten minutes


@dataclass(frozen=True)
class ElementInfo:
    code: str
    name: str
    value_type: str
    aggregation: str
    unit_of_measure: str
    figure_indicator: str  # a built-in indicator's slug when the element is stored in ReportFigure
    figure_part: str  # numerator | denominator
    computed: bool
    category: str  # the breakdown's code, "" without one
    category_name: str
    options: tuple[tuple[str, str], ...]  # (code, name) of the breakdown's options, in order
    id: int = 0
    option_ids: tuple[int, ...] = ()  # the options' ids, in the same order

    @property
    def is_builtin(self) -> bool:
        return bool(self.figure_indicator)

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _name in self.options)


@dataclass(frozen=True)
class FieldInfo:
    order: int
    label: str
    help_text: str
    required: bool
    element: ElementInfo | None
    narrative_code: str

    @property
    def key(self) -> str:
        return self.element.code if self.element else self.narrative_code


@dataclass(frozen=True)
class SectionInfo:
    code: str
    title: str
    kind: str
    help_text: str
    fields: tuple[FieldInfo, ...]


@dataclass(frozen=True)
class RuleInfo:
    code: str
    left: str
    operator: str
    right: str
    message: str
    severity: str


@dataclass(frozen=True)
class Layout:
    version_id: int
    form_code: str
    form_name: str
    number: int
    title: str
    period_kind: str
    sections: tuple[SectionInfo, ...]
    rules: tuple[RuleInfo, ...]
    # Elements the rules read that are not on the form (a rule may compare with any element): code → info.
    rule_elements: dict[str, ElementInfo] = field(default_factory=dict)

    @cached_property
    def fields(self) -> tuple[FieldInfo, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    @cached_property
    def elements(self) -> dict[str, ElementInfo]:
        """The form's elements by code, in form order."""
        return {f.element.code: f.element for f in self.fields if f.element is not None}

    @cached_property
    def known_elements(self) -> dict[str, ElementInfo]:
        """The form's elements and those its rules read."""
        return {**self.rule_elements, **self.elements}

    @cached_property
    def narrative_codes(self) -> tuple[str, ...]:
        return tuple(f.narrative_code for f in self.fields if f.element is None)

    @cached_property
    def builtin_slugs(self) -> tuple[str, ...]:
        """The built-in indicators whose figures the form asks for, in form order."""
        slugs: list[str] = []
        for element in self.elements.values():
            if element.is_builtin and not element.computed and element.figure_indicator not in slugs:
                slugs.append(element.figure_indicator)
        return tuple(slugs)

    def label_of(self, key: str) -> str:
        for f in self.fields:
            if f.key == key:
                return f.label or (f.element.name if f.element else f.narrative_code)
        element = self.known_elements.get(key)
        return element.name if element else key


# --- which version ------------------------------------------------------------------------------


def _owner_depth(form: ReportForm) -> int:
    return form.owner.depth if form.owner_id and form.owner is not None else -1


def candidate_forms(*, level: str, is_summary: bool, period_kind: str, unit: Unit | None = None,
                    kinds: list[str] | None = None) -> list[ReportForm]:
    """Forms for reports of `level`, most specific first: a province's own form before the national one, a form
    for named kinds before one for every kind. With `unit`: forms owned by it or above it, for its kind; without
    one (a round's default form): forms whose kinds overlap the round's `kinds`."""
    forms = list(ReportForm.objects.filter(level=level, is_summary=is_summary, period_kind=period_kind)
                 .select_related("owner"))
    chosen = []
    for form in forms:
        if form.owner_id is not None:
            if unit is None or form.owner is None or not unit.path.startswith(form.owner.path):
                continue
        if form.kinds:
            if unit is not None and unit.kind not in form.kinds:
                continue
            if unit is None and kinds and not set(kinds) & set(form.kinds):
                continue
        chosen.append(form)
    return sorted(chosen, key=lambda f: (-_owner_depth(f), not f.kinds, f.code))


def _applicable(forms: list[ReportForm], year: int) -> ReportFormVersion | None:
    if not forms:
        return None
    versions = (ReportFormVersion.objects.filter(form__in=forms, status=VersionStatus.PUBLISHED, first_year__lte=year)
                .filter(Q(last_year__isnull=True) | Q(last_year__gte=year)).select_related("form")
                .order_by("-number"))
    latest: dict[int, ReportFormVersion] = {}
    for version in versions:
        latest.setdefault(version.form_id, version)
    for form in forms:
        if form.pk in latest:
            return latest[form.pk]
    return None


def form_version_for(unit: Unit, year: int, round_, period_kind: str = PeriodKind.YEARLY) -> ReportFormVersion | None:
    """The version a new report of `unit` for `year` is filled on: the latest published version that applies to
    the year of the round's form if it names one, else of the most specific form for the unit."""
    if round_ is not None and round_.form_id:
        return _applicable([round_.form], year)
    is_summary = bool(round_.is_summary) if round_ is not None else False
    return _applicable(candidate_forms(level=unit.level, is_summary=is_summary, period_kind=period_kind, unit=unit),
                       year)


def round_default_version(round_) -> ReportFormVersion | None:
    """The version the round's reports are filled on by default (no unit: the round's level and kinds)."""
    if round_.form_id:
        return _applicable([round_.form], round_.year)
    return _applicable(candidate_forms(level=round_.level, is_summary=round_.is_summary,
                                       period_kind=round_.period_kind, kinds=list(round_.kinds or [])), round_.year)


# --- layout ---------------------------------------------------------------------------------------


def _element_info(element: DataElement) -> ElementInfo:
    category = element.category
    rows = list(category.options.all()) if category is not None else []
    return ElementInfo(
        id=element.pk, code=element.code, name=element.name, value_type=element.value_type,
        aggregation=element.aggregation, unit_of_measure=element.unit_of_measure,
        figure_indicator=element.figure_indicator, figure_part=element.figure_part, computed=element.computed,
        category=category.code if category is not None else "", category_name=category.name if category else "",
        options=tuple((o.code, o.name) for o in rows), option_ids=tuple(o.pk for o in rows))


def _build_layout(version: ReportFormVersion) -> Layout:
    form = version.form
    fields = list(FormField.objects.filter(section__version=version)
                  .select_related("section", "data_element", "data_element__category")
                  .prefetch_related("data_element__category__options").order_by("section__order", "section__id",
                                                                                "order", "id"))
    sections: list[SectionInfo] = []
    by_section: dict[int, list[FieldInfo]] = {}
    for section in version.sections.order_by("order", "id"):
        by_section[section.pk] = []
        sections.append(SectionInfo(section.code, section.title, section.kind, section.help_text, ()))
    for f in fields:
        element = _element_info(f.data_element) if f.data_element is not None else None
        by_section[f.section_id].append(FieldInfo(f.order, f.label, f.help_text, f.required, element,
                                                  f.narrative_code))
    sections = [SectionInfo(s.code, s.title, s.kind, s.help_text, tuple(by_section[pk]))
                for s, pk in zip(sections, by_section, strict=True)]
    rules = tuple(RuleInfo(r.code, r.left, r.operator, r.right, r.message, r.severity)
                  for r in ValidationRule.objects.filter(version=version).order_by("order", "id"))
    on_form = {f.data_element.code for f in fields if f.data_element is not None}
    referenced: set[str] = set()
    for rule in rules:
        for text in (rule.left, rule.right):
            try:
                referenced |= {ref.element for ref in references(text)}
            except ExpressionError:
                continue  # definitions.services refuses such a rule; an old bad one is skipped by the checks
    extra = {e.code: _element_info(e) for e in DataElement.objects.filter(code__in=referenced - on_form)
             .select_related("category").prefetch_related("category__options")}
    return Layout(version_id=version.pk, form_code=form.code, form_name=form.name, number=version.number,
                  title=version.title, period_kind=form.period_kind, sections=tuple(sections), rules=rules,
                  rule_elements=extra)


def _cache_key(version: ReportFormVersion) -> str:
    # created_at too: ids are reused after a rollback (tests), a timestamp is not.
    stamp = version.created_at.timestamp() if version.created_at else 0
    return f"forms:layout:{version.pk}:{stamp}"


def layout(version: ReportFormVersion) -> Layout:
    """The version's sections, fields, elements and rules. Cached for frozen versions; a draft is read afresh."""
    if not version.is_frozen:
        return _build_layout(version)
    key = _cache_key(version)
    found = cache.get(key)
    if found is None:
        found = _build_layout(version)
        cache.set(key, found, LAYOUT_CACHE_SECONDS)
    return found


def required_indicators(version: ReportFormVersion | None) -> list[str]:
    """The built-in indicators whose figures the version asks for (both parts typed in by the unit)."""
    return list(layout(version).builtin_slugs) if version is not None else []
