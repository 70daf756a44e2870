"""The register's API: scoped lists and details, the PDF (202 while it renders), a POST to (re)queue it."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from core import files
from core.api.mixins import ScopedObjectMixin

from .. import selectors, services
from ..models import Document
from .filters import DocumentFilter
from .serializers import DocumentPdfSerializer, DocumentSerializer, document_pdf_payload

ERRORS = {
    400: OpenApiResponse(description="Tham số lọc không hợp lệ."),
    404: OpenApiResponse(description="Không tìm thấy văn bản hoặc văn bản nằm ngoài phạm vi được xem."),
}


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the view returns the file itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def pdf_filename(document: Document) -> str:
    # "05-QĐ-UBND-2026.pdf": the number as printed, its slash made safe for file systems.
    stem = document.number.replace("/", "-") if document.number else f"van-ban-{document.pk}"
    return f"{stem}-{document.year}.pdf"


@extend_schema(responses={200: DocumentSerializer, **ERRORS})
class DocumentViewSet(ScopedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """State acts in the register whose issuing body lies in the caller's scope (plus those a kind's
    subject lets the caller read). Out of scope answers 404, as absent."""

    not_found_message = gettext_lazy("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    queryset = Document.objects.none()

    def get_queryset(self):
        return selectors.documents_visible_to(self.request.user).order_by("-year", "-date", "-pk")

    def finalize_response(self, request, response, *args, **kwargs):
        # A JSON answer (202, errors) of the pdf action goes out as JSON even to `Accept: application/pdf`.
        if isinstance(response, Response) and isinstance(getattr(request, "accepted_renderer", None), PDFRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def _status_response(self, document: Document, code: int) -> Response:
        payload = document_pdf_payload(document)
        response = Response(payload, status=code)
        if code == status.HTTP_202_ACCEPTED:
            response["Location"] = payload["status_url"]
        return response

    @extend_schema(
        methods=["GET"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp PDF của văn bản"),
            (202, "application/json"): OpenApiResponse(
                DocumentPdfSerializer, description="Chưa có tệp: đang tạo (xem status_url); POST để tạo lại bản lỗi"
            ),
            **ERRORS,
        },
    )
    @extend_schema(
        methods=["POST"], request=None,
        responses={(202, "application/json"): DocumentPdfSerializer,
                   (200, "application/json"): DocumentPdfSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], renderer_classes=[JSONRenderer, PDFRenderer],
            filterset_class=None, pagination_class=None)
    def pdf(self, request, pk=None):
        """GET: the PDF when it is ready, else 202 with where it stands; a document never rendered is queued
        (on commit, once). POST: (re)queue the render, a failed one included; 200 when the file of the
        current content is already there."""
        document = self.get_object()
        if request.method == "POST":
            services.document_request_render(document=document, force=document.render_status == "failed")
            document.refresh_from_db()
            return self._status_response(document, status.HTTP_200_OK if document.pdf_ready
                                         else status.HTTP_202_ACCEPTED)
        if document.pdf_ready:
            return files.serve(document.pdf, filename=pdf_filename(document))
        if document.render_status == Document.RenderStatus.NONE:
            # The public contract (API.md): a client that GETs a PDF gets it, or 202 with where to poll —
            # never a "none" that lasts until someone POSTs. The render is idempotent and cached by content
            # hash, so a repeated GET queues nothing more. A failed render is retried only by a POST, so a
            # polling client cannot loop a broken document through the workers.
            services.document_request_render(document=document)
            document.refresh_from_db()
        return self._status_response(document, status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: DocumentPdfSerializer, **ERRORS})
    @action(detail=True, methods=["get"], url_path="pdf/status", url_name="pdf-status", filterset_class=None,
            pagination_class=None)
    def pdf_status(self, request, pk=None):
        """Where the document's PDF stands (polled while it renders)."""
        return self._status_response(self.get_object(), status.HTTP_200_OK)
