from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from core import files
from core.api.mixins import ScopedObjectMixin
from core.params import lookup_id
from titles import selectors
from titles.api.filters import EvaluationFilter, RecognitionFilter
from titles.api.serializers import (
    DecisionDocumentSerializer,
    EvaluationDetailSerializer,
    EvaluationSerializer,
    RecognitionSerializer,
    TitleTypeSerializer,
)
from titles.documents import decision_document, documents_by_decision, pdf_filename
from titles.models import CriteriaSet, CriterionResult
from units.selectors import visible_units


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter(
    "unit", int, description="Chỉ các danh hiệu áp dụng cho đơn vị này (đơn vị trong phạm vi của người gọi).")]))
class TitleTypeViewSet(ReadOnlyModelViewSet):
    """The learning titles, their levels, durations and recognising authorities (the same for everyone).

    `?unit=<id>` keeps the titles that unit may seek (a university is not offered Cộng đồng học tập cấp thôn)."""

    serializer_class = TitleTypeSerializer
    lookup_field = "slug"

    def get_queryset(self):
        qs = selectors.title_types().prefetch_related(
            Prefetch("criteria_sets", queryset=CriteriaSet.objects.only("id", "title_type_id", "version", "status"))
        )
        if self.action == "list" and "unit" in self.request.query_params:
            unit_id = lookup_id(self.request.query_params["unit"])
            unit = visible_units(self.request.user).filter(pk=unit_id).first() if unit_id is not None else None
            if unit is None:
                raise NotFound(_("Không tìm thấy đơn vị hoặc bạn không có quyền xem."))
            qs = qs.filter(pk__in=[t.pk for t in qs if selectors.title_applies_to(t, unit)])
        return qs


class RecognitionViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """Recognitions in the caller's subtrees. `unit` filters a subtree; `title` is a title slug."""

    not_found_message = gettext_lazy("Không tìm thấy quyết định công nhận hoặc bạn không có quyền xem.")
    serializer_class = RecognitionSerializer
    filterset_class = RecognitionFilter

    def get_queryset(self):
        return selectors.visible_recognitions(self.request.user).order_by("-year", "id")

    def get_serializer(self, *args, **kwargs):
        # The decision documents of a page in one query, not one per row.
        if kwargs.get("many") and args:
            rows = list(args[0])
            kwargs.setdefault("context", self.get_serializer_context())["decision_documents"] = \
                documents_by_decision({r.decision_id for r in rows})
            args = (rows, *args[1:])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 202: DecisionDocumentSerializer,
                              404: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="decision-pdf", url_name="decision-pdf")
    def decision_pdf(self, request, pk=None):
        """The recognition decision's PDF (200), or 202 with its state while it is made. Never queues
        anything (a GET); the page's POST or the issuing service does."""
        recognition = self.get_object()
        document = decision_document(recognition.decision)
        if document is None:
            raise NotFound(_("Quyết định này chưa có văn bản trong sổ đăng ký."))
        if document.pdf_ready:
            return files.serve(document.pdf, filename=pdf_filename(document))
        return Response({"id": document.pk, "number": document.number, "issuer": document.issuer.name,
                         "issued_on": document.date, "render_status": document.render_status, "pdf": None},
                        status=202)


class EvaluationViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """Self-assessments readable by whoever holds a role over the unit."""

    not_found_message = gettext_lazy("Không tìm thấy hồ sơ hoặc bạn không có quyền xem.")
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
