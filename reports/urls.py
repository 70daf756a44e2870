from django.urls import path

from . import views, views_exchange, views_reviews

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("new/", views.report_create, name="create"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/autosave/", views.report_autosave, name="autosave"),
    path("<int:pk>/review/", views.report_review, name="review"),
    path("<int:pk>/review-document/", views_reviews.review_document, name="review_document"),
    path("<int:pk>/attachments/", views.report_attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("extensions/", views.extension_grant, name="extension_grant"),
    path("extensions/request/", views.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("completeness/", views.completeness, name="completeness"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("dashboard/export.pdf", views.export_pdf, name="export_pdf"),
    path("exchange/", views_exchange.exchange_page, name="exchange"),
    path("exchange/confirm/", views_exchange.exchange_confirm, name="exchange_confirm"),
    path("exchange/export.csv", views_exchange.exchange_export, {"fmt": "csv"}, name="exchange_export_csv"),
    path("exchange/export.xlsx", views_exchange.exchange_export, {"fmt": "xlsx"}, name="exchange_export_xlsx"),
]
