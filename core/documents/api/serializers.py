from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Document, IssuingBody


class IssuingBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = IssuingBody
        fields = ["id", "name", "kind", "unit", "abbreviation", "header_lines", "parent_header_lines", "place_name"]


class DocumentSubjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model, ví dụ campaigns.plan, awards.nomination")
    id = serializers.IntegerField()


class DocumentSerializer(serializers.ModelSerializer):
    # The public contract (API.md, "State documents"): id, kind, number, issuer {id, name},
    # issued_on, signer, capacity, status, subject, pdf. The other fields extend it (never rename those).
    issuer = IssuingBodySerializer(read_only=True)
    issued_on = serializers.DateField(source="date", read_only=True, allow_null=True)
    signer = serializers.CharField(source="signer_name", read_only=True)
    subject = serializers.SerializerMethodField()
    subject_type = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id", "kind", "number", "issuer", "issued_on", "signer", "capacity", "status", "subject", "pdf",
            "year", "seq", "external", "date", "title", "principal", "signer_title", "signer_name", "recipients",
            "subject_type", "subject_id", "render_status", "page_count",
        ]

    def get_subject_type(self, document) -> str | None:
        # "app_label.model" from the content type cache (no query per row).
        if document.subject_type_id is None:
            return None
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_id(document.subject_type_id)
        return f"{ct.app_label}.{ct.model}"

    @extend_schema_field(DocumentSubjectSerializer(allow_null=True))
    def get_subject(self, document) -> dict | None:
        subject_type = self.get_subject_type(document)
        return None if subject_type is None else {"type": subject_type, "id": document.subject_id}

    def get_pdf(self, document) -> str:
        return reverse("document-pdf", args=[document.pk])


class DocumentPdfSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="none | queued | rendering | ready | failed")
    ready = serializers.BooleanField()
    url = serializers.CharField()
    status_url = serializers.CharField()
    pages = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    rendered_at = serializers.DateTimeField(allow_null=True)


def document_pdf_payload(document: Document) -> dict:
    ready = document.pdf_ready
    return {
        "status": document.render_status,
        "ready": ready,
        "url": reverse("document-pdf", args=[document.pk]),
        "status_url": reverse("document-pdf-status", args=[document.pk]),
        "pages": document.page_count if ready else None,
        "error": document.render_error,
        "rendered_at": document.rendered_at if ready else None,
    }
