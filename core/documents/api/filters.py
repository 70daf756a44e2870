import django_filters

from ..models import Document, DocumentKind


class DocumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices)
    # API.md: `issuer` is the issuing body's unit id (clients know units, not the register's bodies).
    issuer = django_filters.NumberFilter(field_name="issuer__unit_id", help_text="Mã (id) đơn vị của cơ quan ban hành")
    year = django_filters.NumberFilter(field_name="year")
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact",
                                       help_text="Số, ký hiệu đầy đủ, ví dụ 05/QĐ-UBND")

    class Meta:
        model = Document
        fields = ["kind", "issuer", "year", "number"]
