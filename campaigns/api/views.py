from django.db.models import OuterRef, Subquery
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet, ReadOnlyModelViewSet

from campaigns import selectors, services
from campaigns.api.filters import PlanFilter, TargetFilter
from campaigns.api.serializers import (
    CampaignSerializer,
    IssueInputSerializer,
    PlanInputSerializer,
    PlanOutputSerializer,
    PlanPdfSerializer,
    TargetInputSerializer,
    TargetSerializer,
    plan_pdf_payload,
)
from campaigns.models import Campaign, PdfStatus, Plan, Target
from core.api.mixins import ScopedObjectMixin
from definitions.groups import groups_visible
from units import selectors as unit_selectors


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the view returns the file itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CampaignViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """The national campaign (QĐ 1315/QĐ-TTg) and its phases; readable by every signed-in user."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()

    def get_queryset(self):
        return selectors.campaigns().order_by("start_year", "pk")


@extend_schema(responses=PlanOutputSerializer)
class PlanViewSet(ScopedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Plans the caller may read: their subtrees' plans and the issued plans of the bodies above them.

    Out-of-scope plans answer 404; a readable plan the caller may not edit answers 403."""

    not_found_message = gettext_lazy("Không tìm thấy kế hoạch hoặc bạn không có quyền xem.")
    serializer_class = PlanOutputSerializer
    filterset_class = PlanFilter
    queryset = Plan.objects.none()

    def get_queryset(self):
        correction = Plan.objects.filter(supersedes=OuterRef("pk")).values("pk")[:1]
        return selectors.visible_plans(self.request.user).annotate(correction_id=Subquery(correction)).order_by(
            "-issued_on", "-pk"
        )

    def finalize_response(self, request, response, *args, **kwargs):
        # A JSON answer (202, errors) of the pdf action goes out as JSON even to `Accept: application/pdf`.
        if isinstance(response, Response) and isinstance(getattr(request, "accepted_renderer", None), PDFRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _input(self, request, *, partial: bool) -> dict:
        serializer = PlanInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "parent" in data:
            parent_id = data.pop("parent")
            data["parent"] = None
            if parent_id is not None:
                data["parent"] = selectors.plan_get(request.user, parent_id)
                if data["parent"] is None:
                    message = _("Không tìm thấy kế hoạch cấp trên hoặc bạn không có quyền xem.")
                    raise ValidationError({"parent": [message]})
        return data

    def _output(self, plan, status_code=status.HTTP_200_OK):
        return Response(PlanOutputSerializer(self.get_queryset().get(pk=plan.pk)).data, status=status_code)

    @extend_schema(request=PlanInputSerializer, responses={201: PlanOutputSerializer})
    def create(self, request):
        data = self._input(request, partial=False)
        data.pop("revision", None)
        unit_id, campaign_id = data.pop("unit", None), data.pop("campaign", None)
        if unit_id is None:
            raise ValidationError({"unit": [_("Cần chọn đơn vị ban hành.")]})
        unit = unit_selectors.visible_units(request.user).filter(pk=unit_id).first()
        if unit is None:
            raise ValidationError({"unit": [_("Không tìm thấy đơn vị hoặc bạn không có quyền xem.")]})
        campaigns = selectors.campaigns().order_by("-start_year")
        campaign = campaigns.filter(pk=campaign_id).first() if campaign_id else campaigns.first()
        if campaign is None:
            raise ValidationError({"campaign": [_("Không tìm thấy phong trào.")]})
        plan = services.plan_create(unit=unit, campaign=campaign, by=request.user, fields=data)
        return self._output(plan, status.HTTP_201_CREATED)

    @extend_schema(request=PlanInputSerializer)
    def partial_update(self, request, pk=None):
        plan = self.get_object()
        data = self._input(request, partial=True)
        revision = data.pop("revision", None)
        if "unit" in data or "campaign" in data:
            raise ValidationError({"unit": [_("Không thể đổi đơn vị ban hành hoặc phong trào của kế hoạch.")]})
        plan = services.plan_update(plan=plan, by=request.user, changes=data, expected_revision=revision)
        return self._output(plan)

    @extend_schema(request=IssueInputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def issue(self, request, pk=None):
        plan = self.get_object()
        serializer = IssueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revision = serializer.validated_data.get("revision")
        plan = services.plan_issue(plan=plan, by=request.user, expected_revision=revision)
        return self._output(plan)

    @extend_schema(request=None, responses={201: PlanOutputSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def correct(self, request, pk=None):
        """Open a correction of an issued plan: a new draft version linked to it."""
        plan = services.plan_correct(plan=self.get_object(), by=request.user)
        return self._output(plan, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp PDF của kế hoạch"),
            (202, "application/json"): OpenApiResponse(
                PlanPdfSerializer, description="Đang tạo tệp; hỏi lại status_url"
            ),
        }
    )
    @extend_schema(methods=["POST"], request=None, responses={
        (202, "application/json"): PlanPdfSerializer, (200, "application/json"): PlanPdfSerializer})
    @action(detail=True, methods=["get", "post"], renderer_classes=[JSONRenderer, PDFRenderer], filterset_class=None,
            pagination_class=None)
    def pdf(self, request, pk=None):
        """The plan's PDF in the state format (from the document register); 202 with a status URL while it
        is not ready. A GET queues the render of a plan that has none (once, cached by content hash); a POST
        also re-queues a failed or stale one."""
        plan = self.get_object()
        if request.method == "POST":
            services.plan_pdf_request(plan=plan)
            plan = Plan.objects.select_related("unit", "campaign").get(pk=plan.pk)  # eager runs render on commit
            fresh = services.plan_pdf_is_fresh(plan)
            return Response(plan_pdf_payload(plan, fresh=fresh),
                            status=status.HTTP_200_OK if fresh else status.HTTP_202_ACCEPTED)
        if services.plan_pdf_is_fresh(plan):
            filename = f"ke-hoach-{plan.pk}-v{plan.version}.pdf"
            return FileResponse(plan.pdf_file.open("rb"), content_type="application/pdf", filename=filename)
        if plan.pdf_status not in (PdfStatus.QUEUED, PdfStatus.RENDERING, PdfStatus.FAILED):
            # API.md: the PDF or 202 with a status URL — so a plan never rendered (or an issued plan from
            # before the register, recorded here with its printed number) is queued on demand, once; the
            # render is cached by content hash. A failed one is retried by a POST only (no retry loop by
            # polling clients). Pages never do this from a GET.
            services.plan_pdf_request(plan=plan)
            plan = Plan.objects.select_related("unit", "campaign").get(pk=plan.pk)
        payload = plan_pdf_payload(plan, fresh=False)
        response = Response(payload, status=status.HTTP_202_ACCEPTED)
        response["Location"] = payload["status_url"]
        return response

    @extend_schema(responses=PlanPdfSerializer)
    @action(detail=True, methods=["get"], url_path="pdf/status", url_name="pdf-status", filterset_class=None,
            pagination_class=None)
    def pdf_status(self, request, pk=None):
        """Where the plan's PDF stands (polled by the plan page while it renders)."""
        plan = self.get_object()
        return Response(plan_pdf_payload(plan, fresh=services.plan_pdf_is_fresh(plan)))


class TargetViewSet(ScopedObjectMixin, ReadOnlyModelViewSet):
    """Targets set for the caller's units and those above them (national, provincial), for any indicator, for a
    whole area or for a unit group inside it. POST adds one to a draft plan, DELETE removes one from it (the
    plan's officers; an issued plan is immutable: 409)."""

    not_found_message = gettext_lazy("Không tìm thấy chỉ tiêu hoặc bạn không có quyền xem.")
    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    queryset = Target.objects.none()

    def get_queryset(self):
        return selectors.visible_targets(self.request.user).order_by("year", "unit_id", "indicator", "pk")

    @extend_schema(request=TargetInputSerializer, responses={201: TargetSerializer})
    def create(self, request):
        serializer = TargetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plan = selectors.plan_get(request.user, data.pop("plan"))
        if plan is None:
            raise ValidationError({"plan": [_("Không tìm thấy kế hoạch hoặc bạn không có quyền xem.")]})
        unit_id, group_id = data.pop("unit", None), data.pop("unit_group", None)
        unit = group = None
        if unit_id is not None:
            unit = unit_selectors.visible_units(request.user).filter(pk=unit_id).first()
            if unit is None:
                raise ValidationError({"unit": [_("Không tìm thấy đơn vị hoặc bạn không có quyền xem.")]})
        if group_id is not None:
            group = groups_visible(request.user).filter(pk=group_id).first()
            if group is None:
                raise ValidationError({"unit_group": [_("Không tìm thấy nhóm đơn vị hoặc bạn không có quyền xem.")]})
        target = services.target_add(plan=plan, by=request.user, unit=unit, unit_group=group, **data)
        return Response(TargetSerializer(self.get_queryset().get(pk=target.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.target_remove(target=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
