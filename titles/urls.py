from django.urls import path

from . import views

app_name = "titles"

urlpatterns = [
    path("", views.home, name="home"),
    path("evaluations/new/", views.evaluation_new, name="evaluation_new"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/save/", views.evaluation_save, name="evaluation_save"),
    path("evaluations/<int:pk>/results/<int:result_pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evaluations/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
    path("evaluations/<int:pk>/review/", views.evaluation_review, name="evaluation_review"),
    path("recognitions/", views.recognition_list, name="recognitions"),
    path("recognitions/<int:pk>/", views.recognition_detail, name="recognition"),
    path("decisions/<int:pk>/pdf/", views.decision_pdf, name="decision_pdf"),
    path("lists/", views.list_index, name="lists"),
    path("lists/open/", views.list_open, name="list_open"),
    path("lists/<int:pk>/", views.list_detail, name="list"),
    path("lists/<int:pk>/template.xlsx", views.list_template, name="list_template"),
    path("lists/<int:pk>/export.xlsx", views.list_export, name="list_export"),
    path("lists/<int:pk>/upload/", views.list_upload, name="list_upload"),
    path("lists/<int:pk>/entries/<int:entry_pk>/", views.list_entry_edit, name="list_entry"),
    path("lists/<int:pk>/recognise/", views.list_recognise, name="list_recognise"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/status.json", views.import_status, name="import_status"),
    path("registry/<slug:kind>/", views.registry_list, name="registry"),
    path("registry/<slug:kind>/new/", views.registry_new, name="registry_new"),
    path("registry/<slug:kind>/<int:pk>/", views.registry_edit, name="registry_edit"),
]
