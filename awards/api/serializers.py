"""API representations of awards. Vote results are aggregates only: no serializer touches a ballot."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from units.api.serializers import UnitBriefSerializer

from ..models import AgendaItem, Award, AwardForm, Decision, Nomination


class AwardFormSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardForm
        fields = ["id", "slug", "name", "certificate_title", "rank", "authorities", "legal_basis",
                  "legal_threshold_percent"]


class VoteResultSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id")
    held_on = serializers.DateField(source="session.held_on")
    council = serializers.CharField(source="session.council.name")
    members_total = serializers.IntegerField(source="session.members_total")
    present = serializers.IntegerField(source="session.present_count")

    class Meta:
        model = AgendaItem
        fields = ["session", "held_on", "council", "members_total", "present", "recused", "eligible", "votes_cast",
                  "yes_count", "no_count", "abstain_count", "threshold_percent", "threshold_base",
                  "threshold_inclusive", "secret", "outcome"]


class NominationSerializer(serializers.ModelSerializer):
    form = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    unit = UnitBriefSerializer()
    proposer_unit = UnitBriefSerializer()
    body = UnitBriefSerializer()
    subject = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = ["id", "form", "occasion", "year", "subject_kind", "subject", "subject_name", "unit",
                  "proposer_unit", "body", "status", "created_at", "results"]

    def get_subject(self, obj) -> int:
        return obj.household_id or obj.clan_id or obj.citizen_id or obj.unit_id

    @extend_schema_field(VoteResultSerializer(many=True))
    def get_results(self, obj) -> list[dict]:
        items = [i for i in obj.agenda_items.all() if i.session.status == "closed"]
        return VoteResultSerializer(items, many=True).data



class AwardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Award
        fields = ["id", "nomination", "subject_kind", "recipient_name", "occasion", "year", "unit", "annulled_on",
                  "annulment_reason"]


class DecisionSerializer(serializers.ModelSerializer):
    body = UnitBriefSerializer()
    form = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    awards = AwardSerializer(many=True)

    class Meta:
        model = Decision
        fields = ["id", "number", "date", "signer_name", "signer_title", "authority_name", "body", "form", "awards"]
