"""The awards API (../shared/API.md, "Awards"): read-only, scoped, paginated. No endpoint exposes a ballot."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from rest_framework.viewsets import ReadOnlyModelViewSet

from core.api.mixins import ScopedObjectMixin

from .. import selectors
from ..models import AgendaItem, Award
from .filters import DecisionFilter, NominationFilter
from .serializers import AwardFormSerializer, DecisionSerializer, NominationSerializer


class AwardFormViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """The forms of commendation (Bằng khen Thủ tướng, Bằng khen cấp bộ/tỉnh, Giấy khen)."""

    not_found_message = gettext_lazy("Không tìm thấy hình thức khen thưởng.")
    serializer_class = AwardFormSerializer
    filterset_class = None

    def get_queryset(self):
        return selectors.visible_forms()


class NominationViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """Nominations the caller may see (proposing side, subject's unit, or the bodies reviewing them)."""

    not_found_message = gettext_lazy("Không tìm thấy đề nghị khen thưởng hoặc bạn không có quyền xem.")
    serializer_class = NominationSerializer
    filterset_class = NominationFilter

    def get_queryset(self):
        items = AgendaItem.objects.select_related("session", "session__council").order_by("session__held_on", "id")
        return selectors.visible_nominations(self.request.user).prefetch_related(Prefetch("agenda_items", items))


class DecisionViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """Decisions of bodies in the caller's scope, or granting an award to a subject in it."""

    not_found_message = gettext_lazy("Không tìm thấy quyết định khen thưởng hoặc bạn không có quyền xem.")
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter

    def get_queryset(self):
        return selectors.visible_decisions(self.request.user).prefetch_related(
            Prefetch("awards", Award.objects.order_by("id")))
