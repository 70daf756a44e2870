import django_filters
from django.utils.translation import gettext_lazy as _

from core.api.filters import IdFilter
from core.text import search_key
from units.models import Kind, Level, Unit
from units.selectors import today, units_valid_on


class UnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    parent = IdFilter(field_name="parent_id")  # bounded: `?parent=1e308` overflowed the driver (a 500)
    code = django_filters.CharFilter(field_name="code")
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm theo tên (không phân biệt dấu)"))
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Có hiệu lực vào ngày (YYYY-MM-DD)"))

    class Meta:
        model = Unit
        fields = ["level", "kind", "parent", "code", "q", "valid_on"]

    def filter_q(self, queryset, name, value):
        for word in search_key(value).split():
            queryset = queryset.filter(search_name__contains=word)
        return queryset

    def filter_valid_on(self, queryset, name, value):
        return units_valid_on(queryset, value)

    @property
    def qs(self):
        queryset = super().qs
        # `valid_on` defaults to today: clients see the current tree unless they ask for another day.
        # An empty `?valid_on=` asks for no day, so it means today too (not both eras mixed).
        if not self.form.cleaned_data.get("valid_on"):
            queryset = units_valid_on(queryset, today())
        return queryset
