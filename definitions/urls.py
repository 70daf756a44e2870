from django.urls import path

from . import views

app_name = "definitions"

urlpatterns = [
    path("", views.index, name="index"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
]
