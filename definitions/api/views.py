"""The definitions API: indicators, data elements, categories, report forms and their versions.

Reads are scoped by definitions.selectors (national definitions to every signed-in user, a province's own to its
subtree and the levels above); writes go through definitions.services, which decide who may edit (a superuser,
or the administrator of the nation or of the owning province) and refuse a change of a published version (409).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from core.api.filters import IdFilter
from core.api.mixins import ScopedObjectMixin
from units import selectors as unit_selectors

from .. import selectors, services
from ..models import (
    Category,
    DataElement,
    IndicatorDefinition,
    PeriodKind,
    ReportForm,
    ReportFormVersion,
    ValueType,
    VersionStatus,
)
from . import serializers as s

CODE_REGEX = r"[a-z][a-z0-9_]*"


def _input(serializer_class: type, request: Request, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _owner(request: Request, data: dict[str, Any]) -> Any:
    owner_id = data.pop("owner", None)
    if owner_id is None:
        return None
    unit = unit_selectors.visible_units(request.user).filter(pk=owner_id).first()
    if unit is None:
        raise ValidationError({"owner": [_("Không tìm thấy đơn vị hoặc bạn không có quyền xem.")]})
    return unit


def _category(request: Request, code: str | None) -> Category | None:
    if code is None:
        return None
    category = selectors.categories(request.user).filter(code=code).first()
    if category is None:
        raise ValidationError({"category": [_("Không có phân tổ mã “%(code)s”.") % {"code": code}]})
    return category


class _ReadWrite(ScopedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    lookup_value_regex = CODE_REGEX

    def _output(self, obj: Any, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)


# --- categories ----------------------------------------------------------------------------------------------


class CategoryFilter(django_filters.FilterSet):
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Category
        fields = ["owner"]


@extend_schema(responses=s.CategorySerializer)
class CategoryViewSet(_ReadWrite):
    """Breakdowns (sex, ethnic group, area…) and their options."""

    not_found_message = gettext_lazy("Không tìm thấy phân tổ.")
    serializer_class = s.CategorySerializer
    lookup_field = "code"
    queryset = Category.objects.none()

    def get_queryset(self) -> Any:
        return selectors.categories(self.request.user)

    @extend_schema(request=s.CategoryInputSerializer, responses={201: s.CategorySerializer})
    def create(self, request: Request) -> Response:
        data = _input(s.CategoryInputSerializer, request)
        owner = _owner(request, data)
        category = services.category_create(by=request.user, owner=owner, **data)
        return self._output(category, status.HTTP_201_CREATED)

    @extend_schema(request=s.CategoryInputSerializer)
    def partial_update(self, request: Request, code: str | None = None) -> Response:
        category = self.get_object()
        data = _input(s.CategoryInputSerializer, request, partial=True)
        if "owner" in data:
            raise ValidationError({"owner": [_("Không thể đổi đơn vị định nghĩa.")]})
        options = data.pop("options", [])
        existing = set(category.options.values_list("code", flat=True))
        category = services.category_update(
            category=category, by=request.user, **data,
            add_options=[(o["code"], o["name"]) for o in options if o["code"] not in existing],
            rename_options={o["code"]: o["name"] for o in options if o["code"] in existing})
        return self._output(category)


# --- data elements -------------------------------------------------------------------------------------------


class DataElementFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__code")
    value_type = django_filters.ChoiceFilter(choices=ValueType.choices)
    is_active = django_filters.BooleanFilter()
    builtin = django_filters.BooleanFilter(method="filter_builtin")

    class Meta:
        model = DataElement
        fields = ["category", "value_type", "is_active", "builtin"]

    def filter_builtin(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.exclude(figure_indicator="") if value else queryset.filter(figure_indicator="")


@extend_schema(responses=s.DataElementSerializer)
class DataElementViewSet(_ReadWrite):
    """Data elements: the figures a report asks for, each with its value type, aggregation and breakdown."""

    not_found_message = gettext_lazy("Không tìm thấy phần tử dữ liệu.")
    serializer_class = s.DataElementSerializer
    filterset_class = DataElementFilter
    lookup_field = "code"
    queryset = DataElement.objects.none()

    def get_queryset(self) -> Any:
        return selectors.data_elements(self.request.user)

    @extend_schema(request=s.DataElementInputSerializer, responses={201: s.DataElementSerializer})
    def create(self, request: Request) -> Response:
        data = _input(s.DataElementInputSerializer, request)
        owner = _owner(request, data)
        data["category"] = _category(request, data.get("category"))
        data.pop("is_active", None)  # a new element is active
        element = services.element_create(by=request.user, owner=owner, **data)
        return self._output(element, status.HTTP_201_CREATED)

    @extend_schema(request=s.DataElementInputSerializer)
    def partial_update(self, request: Request, code: str | None = None) -> Response:
        element = self.get_object()
        data = _input(s.DataElementInputSerializer, request, partial=True)
        if "owner" in data:
            raise ValidationError({"owner": [_("Không thể đổi đơn vị định nghĩa.")]})
        if "category" in data:
            data["category"] = _category(request, data["category"])
        element = services.element_update(element=element, by=request.user, **data)
        return self._output(element)


# --- indicators ----------------------------------------------------------------------------------------------


class IndicatorFilter(django_filters.FilterSet):
    builtin = django_filters.BooleanFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = IndicatorDefinition
        fields = ["builtin", "is_active"]


@extend_schema(responses=s.IndicatorSerializer)
class IndicatorViewSet(_ReadWrite):
    """Indicators: numerator ÷ denominator over data elements, × factor; the slugs `/api/v1/stats/` answers."""

    not_found_message = gettext_lazy("Không tìm thấy chỉ tiêu.")
    serializer_class = s.IndicatorSerializer
    filterset_class = IndicatorFilter
    lookup_field = "slug"
    queryset = IndicatorDefinition.objects.none()

    def get_queryset(self) -> Any:
        return selectors.indicators(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        # One query each for every row of the page: element names, option names, element breakdowns.
        context = dict(super().get_serializer_context())
        rows = list(DataElement.objects.values_list("code", "name", "category__code"))
        context["element_names"] = {code: name for code, name, _category in rows}
        context["element_categories"] = {code: category for code, _name, category in rows}
        context["option_names"] = selectors.option_names()
        return context

    @extend_schema(request=s.IndicatorInputSerializer, responses={201: s.IndicatorSerializer})
    def create(self, request: Request) -> Response:
        data = _input(s.IndicatorInputSerializer, request)
        owner = _owner(request, data)
        data.pop("is_active", None)
        indicator = services.indicator_create(by=request.user, owner=owner, **data)
        return self._output(indicator, status.HTTP_201_CREATED)

    @extend_schema(request=s.IndicatorInputSerializer)
    def partial_update(self, request: Request, slug: str | None = None) -> Response:
        indicator = self.get_object()
        data = _input(s.IndicatorInputSerializer, request, partial=True)
        if "owner" in data:
            raise ValidationError({"owner": [_("Không thể đổi đơn vị định nghĩa.")]})
        indicator = services.indicator_update(indicator=indicator, by=request.user, **data)
        return self._output(indicator)


# --- report forms and versions -------------------------------------------------------------------------------


class ReportFormFilter(django_filters.FilterSet):
    period_kind = django_filters.ChoiceFilter(choices=PeriodKind.choices)
    level = django_filters.CharFilter()
    is_summary = django_filters.BooleanFilter()

    class Meta:
        model = ReportForm
        fields = ["period_kind", "level", "is_summary"]


@extend_schema(responses=s.ReportFormSerializer)
class ReportFormViewSet(_ReadWrite):
    """Report forms with their versions, sections, fields and validation rules."""

    not_found_message = gettext_lazy("Không tìm thấy biểu mẫu.")
    serializer_class = s.ReportFormSerializer
    filterset_class = ReportFormFilter
    lookup_field = "code"
    queryset = ReportForm.objects.none()

    def get_queryset(self) -> Any:
        return selectors.report_forms(self.request.user)

    @extend_schema(request=s.ReportFormInputSerializer, responses={201: s.ReportFormSerializer})
    def create(self, request: Request) -> Response:
        data = _input(s.ReportFormInputSerializer, request)
        owner = _owner(request, data)
        form = services.form_create(by=request.user, owner=owner, **data)
        return self._output(form, status.HTTP_201_CREATED)

    @extend_schema(request=s.VersionInputSerializer, responses={201: s.VersionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def versions(self, request: Request, code: str | None = None) -> Response:
        """A new draft version: a copy of the latest version (sections, fields, rules), number + 1."""
        form = self.get_object()
        data = _input(s.VersionInputSerializer, request)
        version = services.version_new_draft(form, request.user, **data)
        fresh = selectors.form_versions(request.user).get(pk=version.pk)
        return Response(s.VersionSerializer(fresh).data, status=status.HTTP_201_CREATED)


class VersionFilter(django_filters.FilterSet):
    form = django_filters.CharFilter(field_name="form__code")
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices)

    class Meta:
        model = ReportFormVersion
        fields = ["form", "status"]


@extend_schema(responses=s.VersionSerializer)
class ReportFormVersionViewSet(ScopedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                               GenericViewSet):
    """One version of a form. A draft is edited (PATCH, sections, fields, rules) and published; a published
    version is frozen (409) and used by the reports opened on it."""

    not_found_message = gettext_lazy("Không tìm thấy phiên bản biểu mẫu.")
    serializer_class = s.VersionSerializer
    filterset_class = VersionFilter
    queryset = ReportFormVersion.objects.none()

    def get_queryset(self) -> Any:
        return selectors.form_versions(self.request.user)

    def _output(self, version: ReportFormVersion, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=version.pk)
        return Response(s.VersionSerializer(fresh).data, status=status_code)

    @extend_schema(request=s.VersionInputSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        data = _input(s.VersionInputSerializer, request, partial=True)
        version = services.version_update(version=version, by=request.user, **data)
        return self._output(version)

    @extend_schema(request=s.SectionInputSerializer, responses={201: s.VersionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def sections(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        data = _input(s.SectionInputSerializer, request)
        services.section_add(version=version, by=request.user, **data)
        return self._output(version, status.HTTP_201_CREATED)

    @extend_schema(request=s.FieldInputSerializer, responses={201: s.VersionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def fields(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        data = _input(s.FieldInputSerializer, request)
        section = version.sections.filter(code=data.pop("section")).first()
        if section is None:
            raise ValidationError({"section": [_("Phiên bản không có mục mã này.")]})
        element_code = data.pop("element", None)
        element = None
        if element_code is not None:
            element = selectors.data_elements(request.user).filter(code=element_code).first()
            if element is None:
                raise ValidationError({"element": [_("Không có phần tử dữ liệu mã “%(code)s”.")
                                                   % {"code": element_code}]})
        services.field_add(section=section, by=request.user, data_element=element, **data)
        return self._output(version, status.HTTP_201_CREATED)

    @extend_schema(request=s.RuleInputSerializer, responses={201: s.VersionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def rules(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        data = _input(s.RuleInputSerializer, request)
        services.rule_add(version=version, by=request.user, **data)
        return self._output(version, status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def publish(self, request: Request, pk: str | None = None) -> Response:
        version = services.version_publish(self.get_object(), request.user)
        return self._output(version)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def retire(self, request: Request, pk: str | None = None) -> Response:
        version = services.version_retire(self.get_object(), request.user)
        return self._output(version)
