"""Shapes of the definitions API (../shared/API.md "Definitions as data"). No business logic: services decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.params import MAX_ID, MAX_YEAR, MIN_YEAR
from units.api.serializers import UnitBriefSerializer
from units.models import Kind, Level

from ..expressions import ExpressionError, parse
from ..models import (
    Aggregation,
    Category,
    CategoryOption,
    DataElement,
    Direction,
    FigurePart,
    FormField,
    FormSection,
    IndicatorDefinition,
    Operator,
    PeriodKind,
    ReportForm,
    ReportFormVersion,
    SectionKind,
    Severity,
    ValidationRule,
    ValueType,
)
from ..services import MAX_FACTOR, MAX_ORDER

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


# --- output --------------------------------------------------------------------------------------------------


class OptionSerializer(serializers.ModelSerializer[CategoryOption]):
    class Meta:
        model = CategoryOption
        fields = ["code", "name"]


class CategorySerializer(serializers.ModelSerializer[Category]):
    options = OptionSerializer(many=True, read_only=True)
    owner = UnitBriefSerializer(allow_null=True, help_text="Trống: dùng chung cả nước")

    class Meta:
        model = Category
        fields = ["code", "name", "description", "owner", "options"]


class CategoryBriefSerializer(serializers.ModelSerializer[Category]):
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "options"]


class BindingSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="Mã chỉ tiêu có sẵn")
    part = serializers.ChoiceField(choices=FigurePart.choices)


class DataElementSerializer(serializers.ModelSerializer[DataElement]):
    category = CategoryBriefSerializer(allow_null=True, help_text="Phân tổ (trống: không phân tổ)")
    builtin = serializers.SerializerMethodField(help_text="Gắn với số liệu của một chỉ tiêu có sẵn (trống: không)")
    owner = UnitBriefSerializer(allow_null=True, help_text="Trống: dùng chung cả nước")

    class Meta:
        model = DataElement
        fields = ["code", "name", "short_name", "description", "value_type", "aggregation", "category",
                  "unit_of_measure", "builtin", "computed", "owner", "is_active"]

    @extend_schema_field(BindingSerializer(allow_null=True))
    def get_builtin(self, element: DataElement) -> dict[str, str] | None:
        if not element.figure_indicator:
            return None
        return {"indicator": element.figure_indicator, "part": element.figure_part}


class ExpressionSerializer(serializers.Serializer):
    expression = serializers.CharField(help_text="Biểu thức, ví dụ #{ma_phan_tu} hoặc #{ma_phan_tu.ma_nhom}")
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # a field named like Field.label
    in_words = serializers.CharField(help_text="Biểu thức viết bằng tên các phần tử dữ liệu")


def in_words(text: str, names: dict[str, str], options: dict[tuple[str, str], str]) -> str:
    """The expression with each reference replaced by the element's (and option's) name."""
    from ..expressions import TOKEN

    def name(match: Any) -> str:
        element, option = match.group(1), match.group(2)
        label = names.get(element, element)
        if option:
            label = f"{label} ({options.get((element, option), option)})"
        return f"[{label}]"

    return TOKEN.sub(name, text)


def breakdowns_of(indicator: IndicatorDefinition, categories: dict[str, str | None]) -> list[str]:
    """Categories shared by every element the indicator names (what `/api/v1/stats/?by=` accepts)."""
    try:
        refs = parse(indicator.numerator).refs + parse(indicator.denominator).refs
    except ExpressionError:
        return []
    codes = {categories.get(ref.element) for ref in refs}
    return sorted(c for c in codes if c) if len(codes) == 1 else []


class IndicatorSerializer(serializers.ModelSerializer[IndicatorDefinition]):
    numerator = serializers.SerializerMethodField()
    denominator = serializers.SerializerMethodField()
    breakdowns = serializers.SerializerMethodField(help_text="Mã phân tổ dùng được với /api/v1/stats/?by=")
    owner = UnitBriefSerializer(allow_null=True, help_text="Trống: dùng chung cả nước")

    class Meta:
        model = IndicatorDefinition
        fields = ["slug", "name", "short_name", "description", "numerator", "denominator", "factor", "decimals",
                  "unit_of_measure", "direction", "builtin", "breakdowns", "owner", "is_active"]

    def _part(self, text: str, label: str) -> dict[str, str]:
        names = self.context.get("element_names", {})
        options = self.context.get("option_names", {})
        return {"expression": text, "label": label, "in_words": in_words(text, names, options)}

    @extend_schema_field(ExpressionSerializer)
    def get_numerator(self, indicator: IndicatorDefinition) -> dict[str, str]:
        return self._part(indicator.numerator, indicator.numerator_label)

    @extend_schema_field(ExpressionSerializer)
    def get_denominator(self, indicator: IndicatorDefinition) -> dict[str, str]:
        return self._part(indicator.denominator, indicator.denominator_label)

    def get_breakdowns(self, indicator: IndicatorDefinition) -> list[str]:
        return breakdowns_of(indicator, self.context.get("element_categories", {}))


class FieldSerializer(serializers.ModelSerializer[FormField]):
    element = serializers.CharField(source="data_element.code", allow_null=True, default=None,
                                    help_text="Mã phần tử dữ liệu (trống với trường nội dung)")
    label = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = FormField
        fields = ["id", "order", "element", "narrative_code", "label", "help_text", "required"]

    def get_label(self, field: FormField) -> str:
        return str(field)


class SectionSerializer(serializers.ModelSerializer[FormSection]):
    fields = FieldSerializer(many=True, read_only=True)  # type: ignore[assignment]

    class Meta:
        model = FormSection
        fields = ["id", "order", "code", "title", "kind", "help_text", "fields"]


class RuleSerializer(serializers.ModelSerializer[ValidationRule]):
    class Meta:
        model = ValidationRule
        fields = ["id", "order", "code", "left", "operator", "right", "message", "severity"]


class VersionSerializer(serializers.ModelSerializer[ReportFormVersion]):
    form = serializers.CharField(source="form.code", help_text="Mã biểu mẫu")
    sections = SectionSerializer(many=True, read_only=True)
    rules = RuleSerializer(many=True, read_only=True)

    class Meta:
        model = ReportFormVersion
        fields = ["id", "form", "number", "title", "status", "first_year", "last_year", "period_from", "period_to",
                  "notes", "published_at", "sections", "rules"]


class ReportFormSerializer(serializers.ModelSerializer[ReportForm]):
    versions = VersionSerializer(many=True, read_only=True)
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Trống: mọi loại đơn vị của cấp này")
    owner = UnitBriefSerializer(allow_null=True, help_text="Trống: dùng chung cả nước")

    class Meta:
        model = ReportForm
        fields = ["code", "name", "period_kind", "level", "kinds", "is_summary", "description", "owner", "versions"]


# --- input ---------------------------------------------------------------------------------------------------


def _code(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(CODE_PATTERN, max_length=60, **kwargs)


def _year(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


def _order() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_ORDER, required=False)


def _owner() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                    help_text="Id tỉnh sở hữu định nghĩa; trống: dùng chung cả nước")


class OptionInputSerializer(serializers.Serializer):
    code = _code()
    name = serializers.CharField(max_length=200)


class CategoryInputSerializer(serializers.Serializer):
    code = _code()
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    owner = _owner()
    options = OptionInputSerializer(  # type: ignore[call-arg]  # ListSerializer takes max_length (DRF 3.14)
        many=True, help_text="Thêm nhóm mới; nhóm đã có (cùng mã) được đổi tên", max_length=200)


class DataElementInputSerializer(serializers.Serializer):
    code = _code()
    name = serializers.CharField(max_length=255)
    short_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    value_type = serializers.ChoiceField(choices=ValueType.choices, required=False)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices, required=False)
    category = _code(required=False, allow_null=True, help_text="Mã phân tổ; trống: không phân tổ")
    unit_of_measure = serializers.CharField(required=False, allow_blank=True, max_length=50)
    owner = _owner()
    is_active = serializers.BooleanField(required=False)


class IndicatorInputSerializer(serializers.Serializer):
    slug = _code()
    name = serializers.CharField(max_length=255)
    short_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    numerator = serializers.CharField(max_length=2000)
    numerator_label = serializers.CharField(required=False, allow_blank=True, max_length=200)
    denominator = serializers.CharField(max_length=2000)
    denominator_label = serializers.CharField(required=False, allow_blank=True, max_length=200)
    factor = serializers.IntegerField(min_value=1, max_value=MAX_FACTOR, required=False)
    decimals = serializers.IntegerField(min_value=0, max_value=4, required=False)
    unit_of_measure = serializers.CharField(required=False, allow_blank=True, max_length=50)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    owner = _owner()
    is_active = serializers.BooleanField(required=False)


class ReportFormInputSerializer(serializers.Serializer):
    code = _code()
    name = serializers.CharField(max_length=255)
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), required=False,
                                  max_length=50)
    is_summary = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    owner = _owner()


class VersionInputSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=255)
    first_year = _year(required=False)
    last_year = _year(required=False, allow_null=True)
    period_from = _year(required=False, allow_null=True)
    period_to = _year(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class SectionInputSerializer(serializers.Serializer):
    code = _code()
    title = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=SectionKind.choices, required=False)
    order = _order()
    help_text = serializers.CharField(required=False, allow_blank=True, max_length=10_000)  # type: ignore[assignment]


class FieldInputSerializer(serializers.Serializer):
    section = _code(help_text="Mã mục của phiên bản")
    element = _code(required=False, allow_null=True, help_text="Mã phần tử dữ liệu (mục số liệu)")
    narrative_code = _code(required=False, help_text="Mã nội dung văn bản (mục nội dung)")
    label = serializers.CharField(required=False, allow_blank=True, max_length=255)  # type: ignore[assignment]
    help_text = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=10_000)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]
    order = _order()


class RuleInputSerializer(serializers.Serializer):
    code = _code()
    left = serializers.CharField(max_length=2000)
    operator = serializers.ChoiceField(choices=Operator.choices)
    right = serializers.CharField(max_length=2000)
    message = serializers.CharField(max_length=500)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    order = _order()
