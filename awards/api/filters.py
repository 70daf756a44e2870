import django_filters
from django.utils.translation import gettext_lazy as _

from core.api.filters import IdFilter, YearFilter
from units.models import Unit

from ..models import Nomination, NominationStatus, Occasion


class NominationFilter(django_filters.FilterSet):
    unit = IdFilter(method="filter_unit", label=_("Đơn vị (cả cây đơn vị trực thuộc)"))
    occasion = django_filters.ChoiceFilter(choices=Occasion.choices)
    status = django_filters.ChoiceFilter(choices=NominationStatus.choices)
    year = YearFilter()
    form = django_filters.CharFilter(field_name="form__slug")

    class Meta:
        model = Nomination
        fields = ["unit", "occasion", "status", "year", "form"]

    def filter_unit(self, queryset, name, value):
        """Nominations whose subject or proposer lies in the unit's subtree."""
        unit = Unit.objects.filter(pk=value).only("path").first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path) | queryset.filter(
            proposer_unit__path__startswith=unit.path)


class DecisionFilter(django_filters.FilterSet):
    body = IdFilter(field_name="body_id")
    form = django_filters.CharFilter(field_name="form__slug")
    year = YearFilter(field_name="date__year")
    number = django_filters.CharFilter(field_name="number")
