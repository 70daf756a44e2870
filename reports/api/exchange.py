"""Data value sets over the API: `GET /api/v1/data-values/` (JSON pages, or the whole subtree as CSV or xlsx) and
`POST /api/v1/data-values/import/` (reports/exchange.py does the work; this module only speaks HTTP)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from core import files
from core.params import get_id, get_year
from units.models import Unit
from units.selectors import visible_units

from .. import exchange

XLSX = files.KINDS["xlsx"].content_type


class _FileRenderer(BaseRenderer):
    """The view hands over the finished file as bytes; errors never come here (they are answered as JSON)."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class DataValuesCSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class DataValuesXLSXRenderer(_FileRenderer):
    media_type = XLSX
    format = "xlsx"


class DataValueSerializer(serializers.Serializer):
    unit_code = serializers.CharField(help_text="Mã đơn vị (mã thống kê); đơn vị không có mã: “id:<id>”")
    unit_name = serializers.CharField()
    data_element = serializers.CharField(help_text="Mã phần tử dữ liệu (/api/v1/data-elements/)")
    option = serializers.CharField(allow_null=True, help_text="Mã nhóm phân tổ, hoặc null")
    period = serializers.CharField(help_text="Kỳ: năm, ví dụ 2025")
    value = serializers.CharField(help_text="Giá trị, viết như trong tệp: 70, 12.5")


class DataValueImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Tệp .csv (UTF-8, dấu phẩy) hoặc .xlsx với các cột " + ", ".join(
        exchange.COLUMNS))
    dry_run = serializers.BooleanField(default=True, help_text="true: chỉ kiểm tra, không ghi gì (mặc định)")


_COUNTS = {"created": serializers.IntegerField(), "updated": serializers.IntegerField(),
           "unchanged": serializers.IntegerField()}
ImportSummarySerializer = inline_serializer("DataValueImportSummary", fields={
    "dry_run": serializers.BooleanField(),
    "written": serializers.BooleanField(help_text="true: số liệu đã được ghi"),
    "rows": serializers.IntegerField(),
    **_COUNTS,
    "reports_created": serializers.IntegerField(),
    "units": inline_serializer("DataValueImportUnit", many=True, fields={
        "unit": inline_serializer("DataValueImportUnitRef", fields={
            "id": serializers.IntegerField(), "code": serializers.CharField(), "name": serializers.CharField(),
            "level": serializers.CharField()}),
        "period": serializers.CharField(),
        "report": serializers.IntegerField(allow_null=True),
        "new_report": serializers.BooleanField(),
        **_COUNTS,
    }),
})
ImportErrorSerializer = inline_serializer("DataValueImportErrors", fields={
    "detail": serializers.CharField(),
    "code": serializers.CharField(),
    "error_count": serializers.IntegerField(),
    "errors": inline_serializer("DataValueRowError", many=True, fields={
        "row": serializers.IntegerField(allow_null=True), "column": serializers.CharField(allow_null=True),
        "message": serializers.CharField()}),
})


def file_error_body(exc: exchange.FileError | Exception) -> dict[str, Any]:
    message = getattr(exc, "message", str(exc))
    return {"detail": message, "code": getattr(exc, "code", "invalid"), "error_count": 1,
            "errors": [{"row": None, "column": "file", "message": message}]}


def row_errors_body(result: exchange.ImportResult) -> dict[str, Any]:
    return {"detail": _("Tệp có %(n)s lỗi; không dòng nào được ghi. Sửa các dòng nêu dưới đây rồi tải lên lại.") % {
        "n": result.error_count}, "code": "invalid_rows", "error_count": result.error_count,
        "errors": [e.as_dict() for e in result.errors]}


def _dry_run(raw: Any) -> bool:
    if raw is None or raw == "":
        return True
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValidationError({"dry_run": [_("Giá trị phải là true hoặc false.")]})


class DataValueViewSet(viewsets.GenericViewSet):
    """Values of the yearly reports of a unit's subtree, keyed by unit code, data element, option and period
    (DHIS2's data value sets). Scoped: a unit outside the caller's scope is a 404, a row outside it an error."""

    serializer_class = DataValueSerializer
    filter_backends: list = []
    renderer_classes = [JSONRenderer, DataValuesCSVRenderer, DataValuesXLSXRenderer]

    def handle_exception(self, exc):
        # Every error is JSON, even for ?format=csv|xlsx: a client reading a file must not save an error as one.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT, required=True, description="Đơn vị: lấy cả các đơn vị cấp dưới"),
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"],
                             description="json (mặc định, phân trang); csv hoặc xlsx: cả tệp, không phân trang"),
        ],
        responses={
            (200, "application/json"): DataValueSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp CSV (UTF-8, BOM)"),
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp Excel"),
        },
    )
    def list(self, request):
        unit_id = get_id(request.query_params, "unit", required=True)
        year = get_year(request.query_params, "year", required=True)
        unit = visible_units(request.user).filter(pk=unit_id).first()
        if unit is None:
            raise NotFound(_("Không tìm thấy đơn vị hoặc bạn không có quyền xem."))
        rows = exchange.export_rows(request.user, unit, year)
        kind = request.accepted_renderer.format
        if kind in ("csv", "xlsx"):
            content = exchange.to_csv(rows) if kind == "csv" else exchange.to_xlsx(rows)
            response = Response(content, content_type=request.accepted_renderer.media_type)
            response["Content-Disposition"] = files.content_disposition(export_filename(unit, year, kind))
            return response
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([r.as_dict() for r in page or []])

    @extend_schema(
        request={"multipart/form-data": DataValueImportRequestSerializer},
        responses={200: ImportSummarySerializer, 400: ImportErrorSerializer},
        description="Nhập số liệu từ tệp CSV/xlsx. Mọi dòng được kiểm tra; một lỗi bất kỳ thì không dòng nào "
                    "được ghi. `dry_run=true` (mặc định) chỉ kiểm tra và cho biết sẽ thêm, sửa, giữ nguyên bao nhiêu "
                    "giá trị.",
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import", pagination_class=None,
            renderer_classes=[JSONRenderer], parser_classes=[MultiPartParser, FormParser])
    def import_(self, request):
        dry_run = _dry_run(request.data.get("dry_run"))
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Cần chọn tệp số liệu (.csv hoặc .xlsx).")]})
        try:
            result = exchange.import_file(upload, user=request.user, dry_run=dry_run)
        except exchange.FileError as exc:
            return Response(file_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
        if not result.ok:
            return Response(row_errors_body(result), status=status.HTTP_400_BAD_REQUEST)
        return Response(exchange.summary(result))


def export_filename(unit: Unit, year: int, kind: str) -> str:
    return f"so-lieu-{unit.code or unit.pk}-{year}.{kind}"
