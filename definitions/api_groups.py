"""GET /api/v1/unit-groups/ and /api/v1/unit-groups/{id}/members/: the unit groups targets may name.

Read only: groups are managed in admin (definitions/admin_groups.py) through definitions/groups.py.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from core.api.filters import IdFilter
from core.api.mixins import ScopedObjectMixin
from units.api.serializers import UnitBriefSerializer

from .groups import group_members, groups_visible
from .models import UnitGroup


class UnitGroupSerializer(serializers.ModelSerializer[UnitGroup]):
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True, default=None)
    member_count = serializers.IntegerField(read_only=True,
                                            help_text="Số đơn vị của nhóm trong phạm vi người gọi được xem")

    class Meta:
        model = UnitGroup
        fields = ["id", "code", "name", "description", "owner", "owner_name", "member_count"]


class UnitGroupFilter(django_filters.FilterSet):
    owner = IdFilter(field_name="owner_id")
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", max_length=60)

    class Meta:
        model = UnitGroup
        fields = ["owner", "code"]


class UnitGroupViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Unit groups (mountainous communes…): national ones for every signed-in user, a unit's own for the users
    inside or above it. `member_count` and `members` count and list only the members the caller may see."""

    not_found_message = gettext_lazy("Không tìm thấy nhóm đơn vị hoặc bạn không có quyền xem.")
    serializer_class = UnitGroupSerializer
    filterset_class = UnitGroupFilter
    queryset = UnitGroup.objects.none()

    def get_queryset(self) -> Any:
        return groups_visible(self.request.user).order_by("code")

    @extend_schema(responses=UnitBriefSerializer(many=True))
    @action(detail=True, filterset_class=None)
    def members(self, request: Request, pk: Any = None) -> Response:
        group = self.get_object()
        page = self.paginate_queryset(group_members(request.user, group))
        return self.get_paginated_response(UnitBriefSerializer(page, many=True).data)
