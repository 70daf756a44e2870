from csp.constants import SELF
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from awards import views as awards_views
from core import views as core_views

# Swagger UI (drf-spectacular's template, pinned with the package) needs two things the portal's pages do not: its
# one inline <style> block, allowed by its hash rather than by 'unsafe-inline', and data: images (the icons in
# swagger-ui.css). Its scripts are files served from this site (the sidecar). docs/adr/0012.
API_DOCS_CSP = {
    "style-src": [SELF, "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"],
    "img-src": [SELF, "data:"],
}

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("units/", include("units.urls")),
    path("reports/", include("reports.urls")),
    path("", include("campaigns.urls")),
    path("titles/", include("titles.urls")),
    path("awards/", include("awards.urls")),
    path("documents/", include("core.documents.urls")),
    path("definitions/", include("definitions.urls")),
    path("verify/<str:code>/", awards_views.verify, name="award-verify"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script=), not inline: see API_DOCS_CSP.
    path("api/v1/docs/", csp_update(API_DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("api/v1/", include("config.api_router")),
]

if settings.BENCH_ENDPOINTS:  # load tests only (benchmarks/bench_load.py); never on in production
    urlpatterns.append(path("bench/fixed-json/", core_views.bench_fixed_json, name="bench-fixed-json"))
