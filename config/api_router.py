from django.urls import path
from rest_framework.routers import DefaultRouter

from units.api import views as unit_views

router = DefaultRouter()
router.register("units", unit_views.UnitViewSet, basename="unit")

urlpatterns = [
    path("auth/token/", unit_views.obtain_token, name="api-token"),
    path("me/", unit_views.me, name="api-me"),
    *router.urls,
]
