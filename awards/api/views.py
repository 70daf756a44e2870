"""The awards API (../shared/API.md, "Awards"): read-only, scoped, paginated. No endpoint exposes a ballot."""

from django.db.models import Prefetch
from rest_framework.viewsets import ReadOnlyModelViewSet

from .. import selectors
from ..models import AgendaItem, Award
from .filters import DecisionFilter, NominationFilter
from .serializers import AwardFormSerializer, DecisionSerializer, NominationSerializer


class AwardFormViewSet(ReadOnlyModelViewSet):
    """The forms of commendation (Bằng khen Thủ tướng, Bằng khen cấp bộ/tỉnh, Giấy khen)."""

    serializer_class = AwardFormSerializer
    filterset_class = None

    def get_queryset(self):
        return selectors.visible_forms()


class NominationViewSet(ReadOnlyModelViewSet):
    """Nominations the caller may see (proposing side, subject's unit, or the bodies reviewing them)."""

    serializer_class = NominationSerializer
    filterset_class = NominationFilter

    def get_queryset(self):
        items = AgendaItem.objects.select_related("session", "session__council").order_by("session__held_on", "id")
        return selectors.visible_nominations(self.request.user).prefetch_related(Prefetch("agenda_items", items))


class DecisionViewSet(ReadOnlyModelViewSet):
    """Decisions of bodies in the caller's scope, or granting an award to a subject in it."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter

    def get_queryset(self):
        return selectors.visible_decisions(self.request.user).prefetch_related(
            Prefetch("awards", Award.objects.order_by("id")))
