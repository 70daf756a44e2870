from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Phong trào, kế hoạch và chỉ tiêu")

    def ready(self) -> None:
        # Plans (and công văn) are printed by the document register's pipeline from this builder.
        from core.documents.builders import register_builder
        from core.documents.models import DocumentKind

        from .documents import plan_document_for

        register_builder(DocumentKind.PLAN, plan_document_for)
        register_builder(DocumentKind.LETTER, plan_document_for)
