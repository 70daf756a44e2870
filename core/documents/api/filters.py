import django_filters

from core.api.filters import IdFilter, YearFilter

from ..models import Document, DocumentKind


class DocumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices)
    # API.md: `issuer` is the issuing body's unit id (clients know units, not the register's bodies).
    issuer = IdFilter(field_name="issuer__unit_id", help_text="Mã (id) đơn vị của cơ quan ban hành")
    year = YearFilter(field_name="year")
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact",
                                       help_text="Số, ký hiệu đầy đủ, ví dụ 05/QĐ-UBND")

    class Meta:
        model = Document
        fields = ["kind", "issuer", "year", "number"]
