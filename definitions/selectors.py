"""Reads of the reporting definitions (elements, indicators, categories, forms), scoped by their owner.

Who sees a definition: a national one (no owner) every signed-in user; a province's own one the users whose
memberships lie inside the owner's subtree (its communes' officers fill its forms) or above it (the Ministry
reads what a province added). A superuser sees everything. Writes check the stricter editing rule
(definitions.services.require_editor).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Prefetch, Q, QuerySet

from units import selectors as unit_selectors

from .models import (
    Category,
    CategoryOption,
    DataElement,
    FormField,
    FormSection,
    IndicatorDefinition,
    ReportForm,
    ReportFormVersion,
    ValidationRule,
)

M = TypeVar("M", bound=Model)

# The path from each model to the field naming its owner unit: parts of a form belong to the form's owner.
OWNER_FIELD: dict[type[Model], str] = {
    Category: "owner",
    CategoryOption: "category__owner",
    DataElement: "owner",
    IndicatorDefinition: "owner",
    ReportForm: "owner",
    ReportFormVersion: "form__owner",
    FormSection: "version__form__owner",
    FormField: "section__version__form__owner",
    ValidationRule: "version__form__owner",
}


def _ancestor_ids(user: Any) -> set[int]:
    """Ids of the units on the way from the root to (and including) each unit the user holds a role on."""
    ids: set[int] = set()
    for path in unit_selectors.scope_roots(user).values_list("path", flat=True):
        ids.update(int(segment) for segment in path.strip("/").split("/") if segment)
    return ids


def visibility_q(user: Any, owner_field: str = "owner") -> Q:
    """A Q over rows whose owner (`owner_field`) the user may read: national rows, rows owned by a unit in the
    user's scope (memberships above the owner), and rows owned by an ancestor of one of the user's units."""
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    national = Q(**{f"{owner_field}__isnull": True})
    above = unit_selectors.scope_filter(user, unit_field=owner_field)
    inside = Q(**{f"{owner_field}_id__in": _ancestor_ids(user)})
    return national | above | inside


def definitions_visible(user: Any, model: type[M]) -> QuerySet[M]:
    """Rows of `model` (any definitions model) the user may read."""
    return model._default_manager.filter(visibility_q(user, OWNER_FIELD[model]))  # type: ignore[attr-defined]


# --- the rest of the portal's reads (no user: the definitions the rollup and the forms run on) -------------


def indicator_slugs(active: bool = True) -> set[str]:
    qs = IndicatorDefinition.objects.all()
    if active:
        qs = qs.filter(is_active=True)
    return set(qs.values_list("slug", flat=True))


def get_indicator(slug: str) -> IndicatorDefinition | None:
    return IndicatorDefinition.objects.select_related("owner").filter(slug=slug).first()


def elements_by_code(*, active: bool | None = None) -> dict[str, DataElement]:
    """Every data element by code, with its category and options loaded."""
    qs = DataElement.objects.select_related("category").prefetch_related("category__options")
    if active is not None:
        qs = qs.filter(is_active=active)
    return {element.code: element for element in qs}


def reference_map(owner_id: int | None) -> dict[str, set[str]]:
    """What an expression of a definition owned by `owner_id` may name: code → option codes, over the active
    elements that are national or share the owner (a province never builds on another province's elements)."""
    owners = Q(owner__isnull=True) | (Q(owner_id=owner_id) if owner_id else Q(pk__in=[]))
    rows = DataElement.objects.filter(owners, is_active=True).values_list("code", "category__options__code")
    elements: dict[str, set[str]] = {}
    for code, option in rows:
        elements.setdefault(code, set())
        if option:
            elements[code].add(option)
    return elements


# --- lists for the API and the pages ------------------------------------------------------------------------


def categories(user: Any) -> QuerySet[Category]:
    return definitions_visible(user, Category).select_related("owner").prefetch_related("options").order_by("code")


def data_elements(user: Any) -> QuerySet[DataElement]:
    return (definitions_visible(user, DataElement).select_related("owner", "category")
            .prefetch_related("category__options").order_by("code"))


def indicators(user: Any) -> QuerySet[IndicatorDefinition]:
    return definitions_visible(user, IndicatorDefinition).select_related("owner").order_by("-builtin", "slug")


def _version_parts() -> list[Any]:
    fields = FormField.objects.select_related("data_element").order_by("order", "id")
    return [
        Prefetch("sections", queryset=FormSection.objects.order_by("order", "id").prefetch_related(
            Prefetch("fields", queryset=fields))),
        Prefetch("rules", queryset=ValidationRule.objects.order_by("order", "id")),
    ]


def report_forms(user: Any) -> QuerySet[ReportForm]:
    versions = ReportFormVersion.objects.order_by("-number").prefetch_related(*_version_parts())
    return (definitions_visible(user, ReportForm).select_related("owner")
            .prefetch_related(Prefetch("versions", queryset=versions)).order_by("period_kind", "code"))


def form_versions(user: Any) -> QuerySet[ReportFormVersion]:
    return (definitions_visible(user, ReportFormVersion).select_related("form", "form__owner", "published_by")
            .prefetch_related(*_version_parts()).order_by("form__code", "-number"))


def element_names(codes: set[str]) -> dict[str, str]:
    """Names of the elements named in expressions, for formulas shown in words."""
    return dict(DataElement.objects.filter(code__in=codes).values_list("code", "name"))


def option_names() -> dict[tuple[str, str], str]:
    rows = CategoryOption.objects.values_list("category__data_elements__code", "code", "name")
    return {(element, code): name for element, code, name in rows if element}
