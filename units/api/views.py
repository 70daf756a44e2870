from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from core.api.mixins import ScopedObjectMixin
from core.params import has_unsafe_characters
from units import selectors
from units.api.filters import UnitFilter
from units.api.serializers import LineageSerializer, MeSerializer, UnitSerializer


class UnitViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """Units the caller may see (their memberships' subtrees), current tree by default.

    Detail views look the unit up in the caller's scope whatever its validity date (ScopedObjectMixin)."""

    not_found_message = gettext_lazy("Không tìm thấy đơn vị hoặc bạn không có quyền xem.")
    serializer_class = UnitSerializer
    filterset_class = UnitFilter

    def get_queryset(self):
        return selectors.visible_units(self.request.user).order_by("path")

    @extend_schema(responses=UnitSerializer(many=True))
    @action(detail=True)
    def children(self, request, pk=None):
        unit = self.get_object()
        queryset = self.filter_queryset(self.get_queryset().filter(parent=unit))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=LineageSerializer)
    @action(detail=True, filterset_class=None, pagination_class=None)
    def lineage(self, request, pk=None):
        unit = self.get_object()
        return Response(LineageSerializer(selectors.unit_lineage(unit)).data)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    return Response(MeSerializer(request.user).data)


@extend_schema(
    request=inline_serializer(
        "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
    ),
    responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
               400: OpenApiResponse(description="Sai tên đăng nhập hoặc mật khẩu")},
    auth=[],
)
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([])
def obtain_token(request):
    """Exchange a username and password for a token. Failed attempts count towards the lockout."""
    # Only strings count (a number or a list was a 500 in authenticate()); NUL cannot reach the database.
    data = request.data if hasattr(request.data, "get") else {}
    username, password = (data.get(k) if isinstance(data.get(k), str) and not has_unsafe_characters(data.get(k))
                          else "" for k in ("username", "password"))
    if not username or not password:
        missing = [k for k, v in (("username", username), ("password", password)) if not v]
        return Response(
            {"detail": _("Cần nhập tên đăng nhập và mật khẩu."),
             "errors": {k: [_("Trường này là bắt buộc.")] for k in missing}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    user = authenticate(request._request, username=username, password=password)
    if user is None:
        return Response({"detail": _("Tên đăng nhập hoặc mật khẩu không đúng.")}, status=status.HTTP_400_BAD_REQUEST)
    token, _created = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})
