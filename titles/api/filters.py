import django_filters
from django.utils.translation import gettext_lazy as _

from core.api.filters import IdFilter, IntegerFilter, YearFilter
from titles.models import Evaluation, Recognition
from units.models import Unit


class _SubtreeFilterSet(django_filters.FilterSet):
    unit = IdFilter(method="filter_unit", label=_("Đơn vị (gồm cả đơn vị trực thuộc)"))

    def filter_unit(self, queryset, name, value):
        unit = Unit.objects.filter(pk=value).only("path").first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path)


class RecognitionFilter(_SubtreeFilterSet):
    title = django_filters.CharFilter(field_name="title_type__slug", label=_("Mã danh hiệu"))
    year = YearFilter(field_name="year")
    level = IntegerFilter(field_name="level", min_value=1, max_value=9)
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True,
                                           label=_("Đã thu hồi"))

    class Meta:
        model = Recognition
        fields = ["title", "unit", "year", "level", "revoked"]


class EvaluationFilter(_SubtreeFilterSet):
    title = django_filters.CharFilter(field_name="title_type__slug", label=_("Mã danh hiệu"))
    year = YearFilter(field_name="year")
    status = django_filters.ChoiceFilter(choices=Evaluation.Status.choices)

    class Meta:
        model = Evaluation
        fields = ["title", "unit", "year", "status"]
