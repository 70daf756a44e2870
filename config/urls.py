from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from awards import views as awards_views
from core import views as core_views

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
    path("verify/<str:code>/", awards_views.verify, name="award-verify"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_router")),
]

if settings.BENCH_ENDPOINTS:  # load tests only (benchmarks/bench_load.py); never on in production
    urlpatterns.append(path("bench/fixed-json/", core_views.bench_fixed_json, name="bench-fixed-json"))
