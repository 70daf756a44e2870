from django.urls import reverse
from rest_framework import serializers

from campaigns.models import Campaign, CapacityMark, DocumentKind, Phase, Plan, Target
from campaigns.services import PLAIN_FIELDS, RICH_TEXT_FIELDS
from core.params import MAX_ID, MAX_YEAR, MIN_YEAR


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["id", "number", "start_year", "end_year", "review", "review_year"]


class CampaignSerializer(serializers.ModelSerializer):
    phases = PhaseSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "decision_number", "decision_date", "start_year", "end_year", "phases"]


class PlanPdfSerializer(serializers.Serializer):
    status = serializers.CharField()
    ready = serializers.BooleanField()
    url = serializers.CharField()
    status_url = serializers.CharField()
    pages = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    rendered_at = serializers.DateTimeField(allow_null=True)


def plan_pdf_payload(plan: Plan, *, fresh: bool) -> dict:
    return {
        "status": "ready" if fresh else ("none" if plan.pdf_status == "ready" else plan.pdf_status),
        "ready": fresh,
        "url": reverse("plan-pdf", args=[plan.pk]),
        "status_url": reverse("plan-pdf-status", args=[plan.pk]),
        "pages": plan.pdf_pages if fresh else None,
        "error": plan.pdf_error,
        "rendered_at": plan.pdf_rendered_at if fresh else None,
    }


class PlanOutputSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    correction = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "id", "number", "title", "unit", "unit_name", "campaign", "parent", "parent_reference", "status",
            "issued_on", "kind", "version", "supersedes", "correction", "revision",
            "issuing_body", "parent_body", "place", "addressees", *RICH_TEXT_FIELDS, "recipients",
            "signer_collective", "signer_capacity", "signer_principal", "signer_title", "signer_name",
        ]

    def get_correction(self, plan) -> int | None:
        # Annotated by the viewset (one query for the page), else looked up.
        if hasattr(plan, "correction_id"):
            return plan.correction_id
        correction = Plan.objects.filter(supersedes=plan).values_list("pk", flat=True).first()
        return correction


class PlanInputSerializer(serializers.Serializer):
    """What a client may write; the service validates and sanitises it."""

    unit = serializers.IntegerField(required=False)
    campaign = serializers.IntegerField(required=False)
    parent = serializers.IntegerField(required=False, allow_null=True)
    issued_on = serializers.DateField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=DocumentKind.choices, required=False)
    signer_capacity = serializers.ChoiceField(choices=CapacityMark.choices, required=False, allow_blank=True)
    revision = serializers.IntegerField(required=False, help_text="Giá trị `revision` đã đọc; sai lệch → 409.")

    def get_fields(self):
        fields = super().get_fields()
        for name in (*PLAIN_FIELDS, *RICH_TEXT_FIELDS):
            if name not in fields:
                fields[name] = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        return fields


class IssueInputSerializer(serializers.Serializer):
    revision = serializers.IntegerField(required=False)


class TargetSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    applies_until = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = ["id", "indicator", "unit", "unit_name", "unit_group", "year", "percentage", "plan", "campaign",
                  "applies_until"]

    def get_applies_until(self, target) -> str | None:
        day = target.applies_until()
        return day.isoformat() if day else None


class TargetInputSerializer(serializers.Serializer):
    """A target for a draft plan (POST /api/v1/targets/): shape only, the service checks the rest. `unit`: the
    plan's area when left out; `unit_group`: only that group's members inside it."""

    plan = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    indicator = serializers.CharField(max_length=60, help_text="Mã chỉ tiêu (GET /api/v1/indicators/)")
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    unit_group = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                          help_text="Nhóm đơn vị (GET /api/v1/unit-groups/)")
