import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from campaigns.models import Plan, Target
from core.api.filters import IdFilter, YearFilter
from definitions.models import IndicatorDefinition


class IndicatorSlugField(forms.CharField):
    """A slug of an indicator the portal defines (built-in or defined as data, active or retired: a retired
    indicator's targets stay readable); an unknown one is a 400 naming it, not an empty list."""

    default_error_messages = {"unknown": _("Chỉ tiêu “%(slug)s” không tồn tại.")}

    def clean(self, value):
        slug = super().clean(value)
        if slug and not IndicatorDefinition.objects.filter(slug=slug).exists():
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"slug": slug})
        return slug


@extend_schema_field(OpenApiTypes.STR)
class IndicatorFilter(django_filters.CharFilter):
    field_class = IndicatorSlugField


class PlanFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id")
    campaign = IdFilter(field_name="campaign_id")
    status = django_filters.ChoiceFilter(choices=Plan.Status.choices)
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact")
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = Plan
        fields = ["unit", "campaign", "status", "number", "parent"]


class TargetFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id")
    year = YearFilter(field_name="year")
    indicator = IndicatorFilter(field_name="indicator", max_length=60)
    plan = IdFilter(field_name="plan_id")
    unit_group = IdFilter(field_name="unit_group_id")

    class Meta:
        model = Target
        fields = ["unit", "year", "indicator", "plan", "unit_group"]
