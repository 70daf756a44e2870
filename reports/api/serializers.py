"""Input/output shapes of the reports API (../shared/API.md). No business logic: services decide."""

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.indicators import Indicator
from definitions.models import PeriodKind, ValueType
from units.api.serializers import UnitBriefSerializer

from .. import validation
from ..form_versions import layout
from ..models import Report, ReportAttachment, ReportTransition
from ..selectors import Basis, TargetBasis, percentage
from ..services import narrative_text


class FigureSerializer(serializers.Serializer):
    numerator = serializers.IntegerField(min_value=0, help_text="Số đạt danh hiệu")
    denominator = serializers.IntegerField(min_value=0, help_text="Tổng số")


class TransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.__str__")
    # Plain strings: the first step has no "from" status, so the choice set differs from `status`.
    from_status = serializers.CharField()
    to_status = serializers.CharField()

    class Meta:
        model = ReportTransition
        fields = ["from_status", "to_status", "by", "at", "comment", "field_comments"]


class AttachmentSerializer(serializers.ModelSerializer):
    # The scoped download (the report's own visibility check), never the storage's /media/ URL, which is not served.
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportAttachment
        fields = ["id", "name", "size", "url", "uploaded_at"]

    def get_url(self, attachment) -> str:
        url = reverse("report-attachment", args=[attachment.report_id, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ReportSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer()
    figures = serializers.SerializerMethodField()
    deadline = serializers.DateField(source="round.deadline")

    class Meta:
        model = Report
        fields = ["id", "unit", "year", "status", "version", "is_summary", "deadline", "on_time",
                  "first_submitted_at", "submitted_at", "accepted_at", "results", "limitations", "proposals",
                  "review_comments", "figures"]

    def get_figures(self, report) -> dict[str, dict[str, int]]:
        return {f.indicator: {"numerator": f.numerator, "denominator": f.denominator} for f in report.figures.all()}


class FormVersionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    form = serializers.CharField(source="form.code", help_text="Mã biểu mẫu (/api/v1/report-forms/)")
    number = serializers.IntegerField(help_text="Phiên bản số")


class RuleOutcomeSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule.code")
    passed = serializers.BooleanField()
    severity = serializers.CharField(help_text="blocking: chặn gửi báo cáo; warning: cảnh báo")
    message = serializers.CharField()
    left_value = serializers.FloatField(allow_null=True)
    right_value = serializers.FloatField(allow_null=True)
    field = serializers.CharField(help_text="figures.<chỉ tiêu>.<phần> hoặc values.<mã>[.<nhóm>]")


def _number(value: Decimal, value_type: str) -> int | float:
    return int(value) if value_type == ValueType.INTEGER or value == value.to_integral_value() else float(value)


class ReportDetailSerializer(ReportSerializer):
    transitions = TransitionSerializer(many=True)
    attachments = AttachmentSerializer(many=True)
    period_kind = serializers.CharField()
    form_version = FormVersionBriefSerializer(allow_null=True)
    values = serializers.SerializerMethodField()
    narratives = serializers.SerializerMethodField()
    checks = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "period_kind", "form_version", "values", "narratives", "checks",
                  "transitions", "attachments"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "number"},
                          "example": {"nguoi_hoc_xoa_mu_chu.female": 12, "so_lop_hoc": 3}})
    def get_values(self, report) -> dict[str, int | float]:
        """Values of elements defined as data, keyed "code" or "code.option"."""
        if report.form_version_id is None:
            return {}
        types = {code: e.value_type for code, e in layout(report.form_version).known_elements.items()}
        return {(code if option is None else f"{code}.{option}"): _number(value, types.get(code, ValueType.NUMBER))
                for (code, option), value in validation.report_values(report).items()}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_narratives(self, report) -> dict[str, str]:
        """Every narrative section of the form version: {narrative code: text}."""
        if report.form_version_id is None:
            return {}
        return {code: narrative_text(report, code) for code in layout(report.form_version).narrative_codes}

    @extend_schema_field(RuleOutcomeSerializer(many=True))
    def get_checks(self, report) -> list[dict]:
        return list(RuleOutcomeSerializer(validation.check_report(report), many=True).data)


class ReportCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, required=False, default=PeriodKind.YEARLY)


class ReportUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="Phiên bản đã đọc; sai phiên bản → 409")
    figures = serializers.DictField(child=serializers.DictField(), required=False,
                                    help_text='{"households_learning_family": {"numerator": 70, "denominator": 100}}')
    results = serializers.CharField(required=False, allow_blank=True)
    limitations = serializers.CharField(required=False, allow_blank=True)
    proposals = serializers.CharField(required=False, allow_blank=True)
    values = serializers.DictField(required=False, help_text='Giá trị theo phần tử dữ liệu của biểu mẫu: '
                                   '{"so_lop_hoc": 3, "nguoi_hoc_xoa_mu_chu.female": 12}; null để xóa')
    narratives = serializers.DictField(child=serializers.CharField(allow_blank=True, trim_whitespace=False),
                                       required=False,
                                       help_text='Nội dung theo mã mục của biểu mẫu: {"causes": "…", "lessons": "…"}')


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class ReturnSerializer(serializers.Serializer):
    comments = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                     help_text="Ý kiến theo mục: slug chỉ tiêu, results/limitations/proposals, general")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CompletenessSerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    expected = serializers.IntegerField()
    received = serializers.IntegerField()
    on_time = serializers.IntegerField()
    accepted = serializers.IntegerField()


BASES = [Basis.OWN, Basis.SUCCESSORS, Basis.PREDECESSORS]


class StatSerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    year = serializers.IntegerField()
    indicator = serializers.CharField(help_text="Mã chỉ tiêu (/api/v1/indicators/)")
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    percentage = serializers.SerializerMethodField()
    target = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    on_track = serializers.BooleanField(allow_null=True)
    # One choice set for both `basis` fields (the schema's single BasisEnum); /stats/ answers own or successors.
    basis = serializers.ChoiceField(choices=BASES,
                                    help_text="own: địa bàn của đơn vị; successors: đơn vị đã giải thể, "
                                              "tính trên địa bàn các đơn vị kế thừa")
    target_basis = serializers.ChoiceField(choices=[TargetBasis.OWN, TargetBasis.PREDECESSORS, TargetBasis.GROUP,
                                                    TargetBasis.ANCESTOR],
                                           allow_null=True,
                                           help_text="own: chỉ tiêu của đơn vị; predecessors: bình quân gia quyền "
                                                     "theo mẫu số của các đơn vị trước sắp xếp; group: của nhóm đơn "
                                                     "vị (ví dụ xã miền núi) mà đơn vị thuộc về; ancestor: của "
                                                     "đơn vị cấp trên gần nhất")

    def get_percentage(self, row) -> float | None:
        if row.indicator not in Indicator.values:
            # Defined as data: computed at the rebuild from the unrounded expressions, × factor, to its decimals.
            return None if row.percentage is None else float(row.percentage)
        value = percentage(row.numerator, row.denominator)
        return None if value is None else float(value)


class StatOptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StatBreakdownSerializer(StatSerializer):
    """A row of a breakdown (`?by=`): the statistics of one option."""

    option = StatOptionSerializer()


class TrendSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    percentage = serializers.SerializerMethodField()
    target = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    on_track = serializers.BooleanField(allow_null=True)
    partial = serializers.BooleanField()
    source = serializers.CharField()
    basis = serializers.ChoiceField(choices=BASES, help_text="predecessors: tổng của các đơn vị trước sắp xếp")

    def get_percentage(self, row) -> float | None:
        return None if row.percentage is None else float(row.percentage)
