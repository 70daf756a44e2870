import django_filters

from core.api.filters import IdFilter, YearFilter
from definitions.models import PeriodKind

from ..models import Report, ReportStatus


class ReportFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id")
    year = YearFilter(field_name="year")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    period_kind = django_filters.ChoiceFilter(choices=PeriodKind.choices)

    class Meta:
        model = Report
        fields = ["unit", "year", "status", "period_kind"]
