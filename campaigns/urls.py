from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/issue/", views.plan_issue, name="plan_issue"),
    path("plans/<int:pk>/correct/", views.plan_correct, name="plan_correct"),
    path("plans/<int:pk>/pdf/", views.plan_pdf, name="plan_pdf"),
    path("plans/<int:pk>/pdf/render/", views.plan_pdf_render, name="plan_pdf_render"),
    path("plans/<int:pk>/targets/", views.target_add, name="target_add"),
    path("plans/<int:pk>/targets/<int:target_pk>/delete/", views.target_remove, name="target_remove"),
]
