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


# --- the detail answer, built by hand -------------------------------------------------------------------------------

_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


def _datetime(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def _float(value) -> float | None:
    return None if value is None else float(value)


def report_detail_data(report: Report, request=None, *, figures=None, values=None, transitions=None,
                       attachments=None) -> dict:
    """What ReportDetailSerializer(report).data answers, the same JSON, built without DRF's field machinery.

    Every deadline-day request (read, save, submit) answers with the report's detail, and the serializer cost
    more CPU than the rest of the request (nested serializers built per row, the layout read four times, the
    figures and values read twice). ReportDetailSerializer stays the schema and the reference: a test compares
    the two answers on a report with figures, values, rules, a return with comments, transitions and attachments
    (tests/reports/test_deadline_requests.py). `figures` (ReportFigure rows), `values`
    (validation.report_values), `transitions` and `attachments` are what the caller already read; None reads them.
    """
    figures = list(report.figures.all()) if figures is None else figures
    if transitions is None:
        transitions = list(ReportTransition.objects.filter(report=report).select_related("by"))
    if attachments is None:
        attachments = list(ReportAttachment.objects.filter(report=report))
    unit, version = report.unit, report.form_version if report.form_version_id else None
    data = {
        "id": report.pk,
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name, "level": unit.level},
        "year": report.year,
        "status": report.status,
        "version": report.version,
        "is_summary": report.is_summary,
        "deadline": _DATE.to_representation(report.round.deadline),
        "on_time": report.on_time,
        "first_submitted_at": _datetime(report.first_submitted_at),
        "submitted_at": _datetime(report.submitted_at),
        "accepted_at": _datetime(report.accepted_at),
        "results": report.results,
        "limitations": report.limitations,
        "proposals": report.proposals,
        "review_comments": report.review_comments,
        "figures": {f.indicator: {"numerator": f.numerator, "denominator": f.denominator} for f in figures},
        "period_kind": report.period_kind,
        "form_version": None,
        "values": {},
        "narratives": {},
        "checks": [],
    }
    if version is not None:
        version_layout = layout(version)
        stored = validation.report_values(report) if values is None else values
        types = {code: e.value_type for code, e in version_layout.known_elements.items()}
        data["form_version"] = {"id": version.pk, "form": version.form.code, "number": version.number}
        data["values"] = {(code if option is None else f"{code}.{option}"):
                          _number(value, types.get(code, ValueType.NUMBER)) for (code, option), value in stored.items()}
        data["narratives"] = {code: narrative_text(report, code) for code in version_layout.narrative_codes}
        outcomes = validation.check_values(version_layout, {f.indicator: (f.numerator, f.denominator)
                                                            for f in figures}, stored)
        data["checks"] = [{"rule": o.rule.code, "passed": o.passed, "severity": o.severity, "message": o.message,
                           "left_value": _float(o.left_value), "right_value": _float(o.right_value),
                           "field": o.field} for o in outcomes]
    data["transitions"] = [{"from_status": t.from_status, "to_status": t.to_status, "by": str(t.by),
                            "at": _datetime(t.at), "comment": t.comment, "field_comments": t.field_comments}
                           for t in transitions]
    data["attachments"] = []
    for a in attachments:
        url = reverse("report-attachment", args=[a.report_id, a.pk])
        data["attachments"].append({"id": a.pk, "name": a.name, "size": a.size,
                                    "url": request.build_absolute_uri(url) if request is not None else url,
                                    "uploaded_at": _datetime(a.uploaded_at)})
    return data


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


STAT_ROW_FIELDS = ("unit_id", "unit__code", "unit__name", "unit__level", "unit__path", "year", "indicator",
                   "numerator", "denominator", "percentage", "target", "on_track", "basis")
_TARGET = StatSerializer._declared_fields["target"]


def stat_row_data(row: dict, bases: dict) -> dict:
    """StatSerializer's answer for one row of stats_rows(...).values(*STAT_ROW_FIELDS), built by hand (the same
    JSON; percentages and targets through the same rounding)."""
    indicator, numerator, denominator = row["indicator"], row["numerator"], row["denominator"]
    if indicator in Indicator.values:
        value = percentage(numerator, denominator)
    else:  # defined as data: computed at the rebuild (see StatSerializer.get_percentage)
        value = row["percentage"]
    target = row["target"]
    return {
        "unit": {"id": row["unit_id"], "code": row["unit__code"], "name": row["unit__name"],
                 "level": row["unit__level"]},
        "year": row["year"],
        "indicator": indicator,
        "numerator": numerator,
        "denominator": denominator,
        "percentage": None if value is None else float(value),
        "target": None if target is None else _TARGET.to_representation(target),
        "on_track": row["on_track"],
        "basis": row["basis"],
        "target_basis": bases.get((row["unit_id"], row["year"], indicator)) if target is not None else None,
    }


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
