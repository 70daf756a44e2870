from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from titles.models import ApprovalRule, Criterion, CriterionResult, Evaluation, Recognition, TitleType
from units.api.serializers import UnitBriefSerializer


class ApprovalRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalRule
        fields = ["level", "subject_unit_level", "subject_parent_level", "authority_level", "issuer",
                  "authority_name", "legal_basis", "note", "valid_from", "valid_to"]


class TitleTypeSerializer(serializers.ModelSerializer):
    approval_rules = ApprovalRuleSerializer(many=True)
    current_criteria_version = serializers.SerializerMethodField()

    class Meta:
        model = TitleType
        fields = ["id", "slug", "name", "subject_kind", "unit_level", "unit_kinds", "max_level", "validity_months",
                  "higher_level_after_months", "reevaluate_while_valid", "legal_basis", "indicator", "valid_from",
                  "valid_to", "approval_rules", "current_criteria_version"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_current_criteria_version(self, obj) -> int | None:
        versions = [c.version for c in obj.criteria_sets.all() if c.is_published]
        return max(versions, default=None)


class SubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField(allow_blank=True)


class DecisionDocumentSerializer(serializers.Serializer):
    """The recognition decision in the register: its number, issuing body, and whether its PDF is ready."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    issuer = serializers.CharField(source="issuer.name")
    issued_on = serializers.DateField(source="date")
    render_status = serializers.CharField()
    pdf = serializers.CharField(allow_null=True, help_text="GET: 200 with the PDF, or 202 while it is made.")


class RecognitionSerializer(serializers.ModelSerializer):
    title = serializers.SlugRelatedField(source="title_type", slug_field="slug", read_only=True)
    subject_type = serializers.CharField(source="subject_kind")
    subject = serializers.SerializerMethodField()
    unit = UnitBriefSerializer()
    decision_number = serializers.CharField(source="decision.number")
    decision_date = serializers.DateField(source="decision.date")
    revoked = serializers.SerializerMethodField()
    decision_document = serializers.SerializerMethodField()

    class Meta:
        model = Recognition
        fields = ["id", "title", "subject_type", "subject", "unit", "year", "level", "decision_number",
                  "decision_date", "valid_from", "valid_to", "revoked", "revoked_at", "revoked_act",
                  "decision_document"]

    @extend_schema_field(DecisionDocumentSerializer(allow_null=True))
    def get_decision_document(self, obj) -> dict | None:
        docs = self.context.get("decision_documents")
        if docs is None:
            from titles.documents import documents_by_decision

            docs = documents_by_decision([obj.decision_id])
        document = docs.get(obj.decision_id)
        if document is None:
            return None
        request = self.context.get("request")
        path = reverse("recognition-decision-pdf", args=[obj.pk])
        return {
            "id": document.pk, "number": document.number, "issuer": document.issuer.name,
            "issued_on": document.date.isoformat() if document.date else None,
            "render_status": document.render_status,
            "pdf": request.build_absolute_uri(path) if request else path,
        }

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
