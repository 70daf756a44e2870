from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("", views.unit_browser, name="browser"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("<int:pk>/contact/", views.unit_edit_contact, name="edit_contact"),
    path("<int:pk>/children/new/", views.unit_add_child, name="add_child"),
    path("<int:pk>/roles/", views.unit_roles, name="roles"),
    path("<int:pk>/roles/grant/", views.unit_role_grant, name="role_grant"),
    path("<int:pk>/roles/<int:membership_pk>/revoke/", views.unit_role_revoke, name="role_revoke"),
]
