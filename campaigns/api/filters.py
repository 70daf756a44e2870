import django_filters

from campaigns.indicators import Indicator
from campaigns.models import Plan, Target
from core.api.filters import IdFilter, YearFilter


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
    indicator = django_filters.ChoiceFilter(choices=Indicator.choices)
    plan = IdFilter(field_name="plan_id")

    class Meta:
        model = Target
        fields = ["unit", "year", "indicator", "plan"]
