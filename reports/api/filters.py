import django_filters

from ..models import Report, ReportStatus


class ReportFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(field_name="unit_id")
    year = django_filters.NumberFilter(field_name="year")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)

    class Meta:
        model = Report
        fields = ["unit", "year", "status"]
