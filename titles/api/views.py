from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.viewsets import ReadOnlyModelViewSet

from titles import selectors
from titles.api.filters import EvaluationFilter, RecognitionFilter
from titles.api.serializers import (
    EvaluationDetailSerializer,
    EvaluationSerializer,
    RecognitionSerializer,
    TitleTypeSerializer,
)
from titles.models import CriteriaSet, CriterionResult


class TitleTypeViewSet(ReadOnlyModelViewSet):
    """The learning titles, their levels, durations and recognising authorities (the same for everyone)."""

    serializer_class = TitleTypeSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.title_types().prefetch_related(
            Prefetch("criteria_sets", queryset=CriteriaSet.objects.only("id", "title_type_id", "version", "status"))
        )


class RecognitionViewSet(ReadOnlyModelViewSet):
    """Recognitions in the caller's subtrees. `unit` filters a subtree; `title` is a title slug."""

    serializer_class = RecognitionSerializer
    filterset_class = RecognitionFilter

    def get_queryset(self):
        return selectors.visible_recognitions(self.request.user).order_by("-year", "id")

    def get_object(self):
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise NotFound(_("Không tìm thấy quyết định công nhận hoặc bạn không có quyền xem."))
        return obj


class EvaluationViewSet(ReadOnlyModelViewSet):
    """Self-assessments readable by whoever holds a role over the unit."""

    filterset_class = EvaluationFilter

    def get_serializer_class(self):
        return EvaluationDetailSerializer if self.action == "retrieve" else EvaluationSerializer

    def get_queryset(self):
        qs = selectors.visible_evaluations(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch(
                "results", CriterionResult.objects.select_related("criterion").annotate(n_evidence=Count("evidence"))
            ))
        return qs

    def get_object(self):
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise NotFound(_("Không tìm thấy hồ sơ hoặc bạn không có quyền xem."))
        return obj
