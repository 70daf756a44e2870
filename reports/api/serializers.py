"""Input/output shapes of the reports API (../shared/API.md). No business logic: services decide."""

from django.urls import reverse
from rest_framework import serializers

from campaigns.indicators import Indicator
from units.api.serializers import UnitBriefSerializer

from ..models import Report, ReportAttachment, ReportTransition
from ..selectors import Basis, TargetBasis, percentage


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


class ReportDetailSerializer(ReportSerializer):
    transitions = TransitionSerializer(many=True)
    attachments = AttachmentSerializer(many=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "transitions", "attachments"]


class ReportCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ReportUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="Phiên bản đã đọc; sai phiên bản → 409")
    figures = serializers.DictField(child=serializers.DictField(), required=False,
                                    help_text='{"households_learning_family": {"numerator": 70, "denominator": 100}}')
    results = serializers.CharField(required=False, allow_blank=True)
    limitations = serializers.CharField(required=False, allow_blank=True)
    proposals = serializers.CharField(required=False, allow_blank=True)


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
    indicator = serializers.ChoiceField(choices=Indicator.choices)
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    percentage = serializers.SerializerMethodField()
    target = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    on_track = serializers.BooleanField(allow_null=True)
    # One choice set for both `basis` fields (the schema's single BasisEnum); /stats/ answers own or successors.
    basis = serializers.ChoiceField(choices=BASES,
                                    help_text="own: địa bàn của đơn vị; successors: đơn vị đã giải thể, "
                                              "tính trên địa bàn các đơn vị kế thừa")
    target_basis = serializers.ChoiceField(choices=[TargetBasis.OWN, TargetBasis.PREDECESSORS, TargetBasis.ANCESTOR],
                                           allow_null=True,
                                           help_text="own: chỉ tiêu của đơn vị; predecessors: bình quân gia quyền "
                                                     "theo mẫu số của các đơn vị trước sắp xếp; ancestor: của "
                                                     "đơn vị cấp trên gần nhất")

    def get_percentage(self, row) -> float | None:
        value = percentage(row.numerator, row.denominator)
        return None if value is None else float(value)


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
