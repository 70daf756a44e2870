from django.urls import path
from rest_framework.routers import DefaultRouter

from awards.api import views as award_views
from campaigns.api import views as campaign_views
from core.documents.api import views as document_views
from definitions import api_groups as unit_group_views
from definitions.api import views as definition_views
from reports.api import exchange as exchange_views
from reports.api import views as report_views
from titles.api import views as title_views
from units.api import views as unit_views

router = DefaultRouter()
# No `<route>.<format>` twins: the API takes `?format=` (API.md), and the twins passed a `format` argument the
# extra actions do not take (`/api/v1/documents/1/pdf.pdf` was a TypeError, a 500, for any id).
router.include_format_suffixes = False
router.register("units", unit_views.UnitViewSet, basename="unit")
router.register("campaigns", campaign_views.CampaignViewSet, basename="campaign")
router.register("plans", campaign_views.PlanViewSet, basename="plan")
router.register("targets", campaign_views.TargetViewSet, basename="target")
router.register("unit-groups", unit_group_views.UnitGroupViewSet, basename="unit-group")
router.register("reports", report_views.ReportViewSet, basename="report")
router.register("completeness", report_views.CompletenessViewSet, basename="completeness")
router.register("stats", report_views.StatViewSet, basename="stat")
router.register("data-values", exchange_views.DataValueViewSet, basename="data-value")
router.register("title-types", title_views.TitleTypeViewSet, basename="title-type")
router.register("recognitions", title_views.RecognitionViewSet, basename="recognition")
router.register("evaluations", title_views.EvaluationViewSet, basename="evaluation")
router.register("award-forms", award_views.AwardFormViewSet, basename="award-form")
router.register("nominations", award_views.NominationViewSet, basename="nomination")
router.register("decisions", award_views.DecisionViewSet, basename="decision")
router.register("documents", document_views.DocumentViewSet, basename="document")
router.register("indicators", definition_views.IndicatorViewSet, basename="indicator")
router.register("data-elements", definition_views.DataElementViewSet, basename="data-element")
router.register("categories", definition_views.CategoryViewSet, basename="category")
router.register("report-forms", definition_views.ReportFormViewSet, basename="report-form")
router.register("report-form-versions", definition_views.ReportFormVersionViewSet, basename="report-form-version")

urlpatterns = [
    path("auth/token/", unit_views.obtain_token, name="api-token"),
    path("me/", unit_views.me, name="api-me"),
    *router.urls,
]
