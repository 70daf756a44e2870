from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<int:pk>/pdf/render/", views.document_render, name="render"),
    path("legal/", views.legal_bases, name="legal_bases"),
    path("legal/<int:pk>/", views.legal_bases, name="legal_basis_edit"),
]
