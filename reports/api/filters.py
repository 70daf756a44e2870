import django_filters

from core.api.filters import IdFilter, YearFilter

from ..models import Report, ReportStatus


class ReportFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id")
    year = YearFilter(field_name="year")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)

    class Meta:
        model = Report
        fields = ["unit", "year", "status"]
