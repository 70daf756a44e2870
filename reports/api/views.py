"""The reports API: thin views over the services and selectors (../shared/API.md, "Yearly reports")."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campaigns.indicators import Indicator
from core import files
from core.api.mixins import ScopedObjectMixin
from core.params import MAX_ID, get_id, get_int, get_year, parse_int
from units.models import Level, Unit
from units.selectors import visible_units

from .. import selectors, services, stats_cache
from ..models import NARRATIVE_FIELDS, ReportAttachment
from .filters import ReportFilter
from .serializers import (
    STAT_ROW_FIELDS,
    AcceptSerializer,
    AttachmentSerializer,
    CompletenessSerializer,
    ReportCreateSerializer,
    ReportDetailSerializer,
    ReportSerializer,
    ReportUpdateSerializer,
    ReturnSerializer,
    StatBreakdownSerializer,
    StatSerializer,
    SubmitSerializer,
    TrendSerializer,
    report_detail_data,
    stat_row_data,
)


def _visible_unit(user, unit_id: int) -> Unit:
    """A unit in the caller's scope, else 404 (never reveal what lies outside it)."""
    unit = visible_units(user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("Không tìm thấy đơn vị hoặc bạn không có quyền xem."))
    return unit


def _int_param(request, name: str, *, required: bool = False, **bounds) -> int | None:
    """A query number through the one parser (core.params): a malformed one is a 400 naming it."""
    return get_int(request.query_params, name, required=required, **bounds)


def _year_param(request, name: str = "year", *, required: bool = False) -> int | None:
    return get_year(request.query_params, name, required=required)


def _indicator_param(request, *, required: bool = False) -> str | None:
    """A built-in slug (as before forms were data) or the slug of an active indicator defined as data."""
    value = request.query_params.get("indicator") or None
    if value is None and required:
        raise ValidationError({"indicator": [_("Trường này là bắt buộc.")]})
    if value is not None and value not in Indicator.values and selectors.stat_indicator(value) is None:
        raise ValidationError({"indicator": [_("Chỉ tiêu không hợp lệ.")]})
    return value


def _by_param(request, indicator: str | None):
    """The breakdown of `?by=<category code>`: the indicator's own (its elements share it), else a 400."""
    by = request.query_params.get("by") or None
    if by is None:
        return None
    if indicator is None:
        raise ValidationError({"by": [_("Cần chọn chỉ tiêu (indicator) để xem theo phân tổ.")]})
    definition = selectors.stat_indicator(indicator)
    category = selectors.indicator_breakdown(definition) if definition is not None else None
    if category is None or category.code != by:
        raise ValidationError({"by": [_("Chỉ tiêu “%(indicator)s” không có phân tổ “%(by)s”.") % {
            "indicator": indicator, "by": by}]})
    return category


class ReportViewSet(ScopedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Yearly reports the caller may see. Writes go through reports.services."""

    not_found_message = gettext_lazy("Không tìm thấy báo cáo hoặc bạn không có quyền xem.")
    filterset_class = ReportFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    # Actions whose service re-reads the report under a row lock: their lookup only checks the scope (the id).
    WRITE_ACTIONS = frozenset({"partial_update", "submit", "return_", "accept", "attachments", "attachment"})

    def get_queryset(self):
        qs = selectors.reports_visible(self.request.user)
        if self.action == "list":
            qs = qs.prefetch_related("figures")
        elif self.action == "retrieve":
            # The lists are read by report_detail_data (figures, values, transitions with their authors, files).
            qs = qs.select_related("form_version__form")
        elif self.action in self.WRITE_ACTIONS:
            qs = qs.select_related(None).only("pk")
        return qs

    def get_serializer_class(self):
        return ReportDetailSerializer if self.action == "retrieve" else ReportSerializer

    def retrieve(self, request, *args, **kwargs):
        return Response(report_detail_data(self.get_object(), request))

    def _detail(self, report, code=status.HTTP_200_OK):
        # Writes answer from the row the service locked and wrote, with the figures and values it read (and wrote)
        # on it: only what the service did not read (history, files) is read again, after the write.
        return Response(report_detail_data(report, self.request, figures=services.stored_figures(report),
                                           values=services.stored_values(report)), status=code)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = _visible_unit(request.user, data.validated_data["unit"])
        report = services.report_create(unit=unit, year=data.validated_data["year"], by=request.user,
                                        period_kind=data.validated_data["period_kind"])
        return self._detail(report, status.HTTP_201_CREATED)

    @extend_schema(request=ReportUpdateSerializer, responses=ReportDetailSerializer)
    def partial_update(self, request, pk=None):
        report = self.get_object()
        data = ReportUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = services.report_update(
            report=report, by=request.user, version=values["version"], figures=values.get("figures"),
            narrative={k: values[k] for k in NARRATIVE_FIELDS if k in values} | dict(values.get("narratives") or {}),
            values=values.get("values"),
        )
        return self._detail(report)

    @extend_schema(request=SubmitSerializer, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_submit(report=self.get_object(), by=request.user,
                                        version=data.validated_data.get("version"))
        return self._detail(report)

    @extend_schema(request=ReturnSerializer, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_return(report=self.get_object(), by=request.user,
                                        comments=data.validated_data["comments"],
                                        comment=data.validated_data["comment"])
        return self._detail(report)

    @extend_schema(request=AcceptSerializer, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_accept(report=self.get_object(), by=request.user,
                                        comment=data.validated_data["comment"])
        return self._detail(report)

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "version": {"type": "integer"}}}},
        responses={201: AttachmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def attachments(self, request, pk=None):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Cần chọn tệp.")]})
        report = self.get_object()
        version = parse_int(request.data.get("version"), field="version", minimum=0, maximum=MAX_ID)
        attachment = services.attachment_add(report=report, by=request.user, upload=upload, version=version)
        return Response(AttachmentSerializer(attachment, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("attachment_pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            # One entry per type the server may answer with (the kind checked at upload, core.files.KINDS).
            **{(200, kind.content_type): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp đính kèm")
               for kind in files.KINDS.values()},
            (200, files.OCTET_STREAM): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp đính kèm"),
            404: OpenApiResponse(description="Không tìm thấy, hoặc ngoài phạm vi được xem"),
        },
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_pk>[0-9]+)", url_name="attachment",
            filterset_class=None, pagination_class=None)
    def attachment(self, request, pk=None, attachment_pk=None):
        """Download one attachment: exactly those who may see the report (404 for everyone else)."""
        attachment = ReportAttachment.objects.filter(report=self.get_object(), pk=attachment_pk).first()
        if attachment is None:
            raise NotFound(_("Không tìm thấy báo cáo hoặc bạn không có quyền xem."))
        return files.serve(attachment.file, filename=attachment.name)


INDICATOR_HELP = ("Mã một chỉ tiêu của /api/v1/indicators/: mười chỉ tiêu có sẵn (households_learning_family…) "
                  "hoặc chỉ tiêu được định nghĩa thêm")

UNIT_YEAR_PARAMS = [
    OpenApiParameter("unit", OpenApiTypes.INT, required=True),
    OpenApiParameter("year", OpenApiTypes.INT, required=True),
]


class CompletenessViewSet(viewsets.GenericViewSet):
    """Per child unit of `unit`: reports expected, received, on time and accepted for `year`."""

    serializer_class = CompletenessSerializer
    filter_backends = []

    @extend_schema(parameters=UNIT_YEAR_PARAMS, responses=CompletenessSerializer(many=True))
    def list(self, request):
        unit_id, year = get_id(request.query_params, "unit", required=True), _year_param(request, required=True)
        result = selectors.completeness(_visible_unit(request.user, unit_id), year, missing_limit=0)
        page = self.paginate_queryset(result.rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class StatViewSet(viewsets.GenericViewSet):
    """Stored rollups of accepted reports (../shared/API.md, "Statistics")."""

    serializer_class = StatSerializer
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("indicator", OpenApiTypes.STR, description=INDICATOR_HELP),
            OpenApiParameter("unit", OpenApiTypes.INT),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("level", OpenApiTypes.STR, enum=Level.values,
                             description="Trả về các đơn vị cấp dưới ở cấp này thay cho chính đơn vị"),
            OpenApiParameter("by", OpenApiTypes.STR,
                             description="Mã phân tổ (ví dụ sex): mỗi dòng là một nhóm (option) của phân tổ; chỉ "
                                         "với chỉ tiêu mà mọi phần tử dữ liệu có phân tổ đó"),
        ],
        responses=PolymorphicProxySerializer(component_name="StatRow",
                                             serializers=[StatSerializer, StatBreakdownSerializer],
                                             resource_type_field_name=None, many=True),
    )
    def list(self, request):
        return Response(stats_cache.cached_answer(request, "list", lambda: self._list_data(request)))

    def _list_data(self, request):
        level = request.query_params.get("level") or None
        if level is not None and level not in Level.values:
            raise ValidationError({"level": [_("Cấp không hợp lệ.")]})
        unit_id = get_id(request.query_params, "unit")
        indicator = _indicator_param(request)
        by = _by_param(request, indicator)
        rows = selectors.stats_rows(
            request.user, indicator=indicator,
            unit=_visible_unit(request.user, unit_id) if unit_id is not None else None,
            year=_year_param(request), level=level, by=by, target_basis=False,
        )
        if by is None:
            # The plain list (dashboards, the commune listing) as dicts from .values(), built by hand: the same
            # JSON as StatSerializer (tests/reports/test_deadline_stats.py compares them) at a fraction of the CPU.
            page = self.paginate_queryset(rows.values(*STAT_ROW_FIELDS))
            bases = selectors.target_bases([(r["unit_id"], r["unit__path"], r["year"], r["indicator"])
                                            for r in page if r["target"] is not None])
            return self.get_paginated_response([stat_row_data(r, bases) for r in page]).data
        page = self.paginate_queryset(rows)
        bases = selectors.target_bases([(r.unit_id, r.unit.path, r.year, r.indicator)
                                        for r in page if r.target is not None])
        for r in page:
            r.target_basis = bases.get((r.unit_id, r.year, r.indicator))
        return self.get_paginated_response(
            StatBreakdownSerializer(page, many=True, context=self.get_serializer_context()).data).data

    @extend_schema(
        parameters=[
            OpenApiParameter("indicator", OpenApiTypes.STR, required=True, description=INDICATOR_HELP),
            OpenApiParameter("unit", OpenApiTypes.INT, required=True),
            OpenApiParameter("from", OpenApiTypes.INT, required=True),
            OpenApiParameter("to", OpenApiTypes.INT, required=True),
        ],
        responses=TrendSerializer(many=True),
    )
    @action(detail=False, pagination_class=None)
    def trend(self, request):
        return Response(stats_cache.cached_answer(request, "trend", lambda: self._trend_data(request)))

    def _trend_data(self, request):
        # Every number is parsed before the unit is looked up: a malformed query is a 400 whatever the unit.
        unit_id = get_id(request.query_params, "unit", required=True)
        year_from = _year_param(request, "from", required=True)
        year_to = _year_param(request, "to", required=True)
        unit = _visible_unit(request.user, unit_id)
        if year_to < year_from or year_to - year_from > 50:
            raise ValidationError({"to": [_("Khoảng năm không hợp lệ.")]})
        rows = selectors.trend(unit, _indicator_param(request, required=True), year_from, year_to)
        return TrendSerializer(rows, many=True).data
