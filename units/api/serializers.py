from typing import Any

from rest_framework import serializers

from core.models import User
from units.models import Membership, Succession, Unit


class UnitSerializer(serializers.ModelSerializer[Unit]):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level", "kind", "parent", "valid_from", "valid_to"]


class UnitBriefSerializer(serializers.ModelSerializer[Unit]):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level"]


class PredecessorSerializer(serializers.ModelSerializer[Succession]):
    unit = UnitBriefSerializer(source="predecessor")

    class Meta:
        model = Succession
        fields = ["unit", "partial", "date", "kind", "primary"]


class SuccessorSerializer(serializers.ModelSerializer[Succession]):
    unit = UnitBriefSerializer(source="successor")

    class Meta:
        model = Succession
        fields = ["unit", "partial", "date", "kind", "primary"]


class LineageSerializer(serializers.Serializer[Any]):
    predecessors = PredecessorSerializer(many=True)
    successors = SuccessorSerializer(many=True)


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    unit = UnitBriefSerializer()

    class Meta:
        model = Membership
        fields = ["unit", "role"]


class MeSerializer(serializers.ModelSerializer[User]):
    memberships = MembershipSerializer(many=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "is_superuser", "memberships"]
