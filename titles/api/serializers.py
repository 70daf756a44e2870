from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from titles.models import ApprovalRule, Criterion, CriterionResult, Evaluation, Recognition, TitleType
from units.api.serializers import UnitBriefSerializer


class ApprovalRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalRule
        fields = ["level", "authority_level", "authority_name", "valid_from", "valid_to"]


class TitleTypeSerializer(serializers.ModelSerializer):
    approval_rules = ApprovalRuleSerializer(many=True)
    current_criteria_version = serializers.SerializerMethodField()

    class Meta:
        model = TitleType
        fields = ["id", "slug", "name", "subject_kind", "unit_level", "max_level", "validity_months",
                  "legal_basis", "indicator", "valid_from", "valid_to", "approval_rules", "current_criteria_version"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_current_criteria_version(self, obj) -> int | None:
        versions = [c.version for c in obj.criteria_sets.all() if c.is_published]
        return max(versions, default=None)


class SubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField(allow_blank=True)


class RecognitionSerializer(serializers.ModelSerializer):
    title = serializers.SlugRelatedField(source="title_type", slug_field="slug", read_only=True)
    subject_type = serializers.CharField(source="subject_kind")
    subject = serializers.SerializerMethodField()
    unit = UnitBriefSerializer()
    decision_number = serializers.CharField(source="decision.number")
    decision_date = serializers.DateField(source="decision.date")
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = Recognition
        fields = ["id", "title", "subject_type", "subject", "unit", "year", "level", "decision_number",
                  "decision_date", "valid_from", "valid_to", "revoked"]

    @extend_schema_field(SubjectSerializer)
    def get_subject(self, obj) -> dict:
        subject = obj.subject
        return {"id": subject.pk, "name": obj.subject_name, "code": getattr(subject, "code", "") or ""}

    @extend_schema_field(serializers.BooleanField())
    def get_revoked(self, obj) -> bool:
        return obj.revoked_at is not None


class CriterionResultSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="criterion.code")
    group = serializers.CharField(source="criterion.group")
    text = serializers.CharField(source="criterion.text")
    kind = serializers.ChoiceField(source="criterion.kind", choices=Criterion.Kind.choices)
    evidence_count = serializers.IntegerField(source="n_evidence")

    class Meta:
        model = CriterionResult
        fields = ["code", "group", "text", "kind", "passed", "points", "explanation", "evidence_count"]


class EvaluationSerializer(serializers.ModelSerializer):
    title = serializers.SlugRelatedField(source="title_type", slug_field="slug", read_only=True)
    unit = UnitBriefSerializer()
    criteria_version = serializers.IntegerField(source="criteria_set.version")

    class Meta:
        model = Evaluation
        fields = ["id", "title", "unit", "year", "level_sought", "status", "criteria_version", "submitted_at",
                  "reviewed_at", "review_comment"]


class EvaluationDetailSerializer(EvaluationSerializer):
    results = CriterionResultSerializer(many=True)

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "results"]
