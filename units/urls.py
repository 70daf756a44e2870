from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("", views.unit_browser, name="browser"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("<int:pk>/contact/", views.unit_edit_contact, name="edit_contact"),
    path("<int:pk>/children/new/", views.unit_add_child, name="add_child"),
]
