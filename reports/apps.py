from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo hằng năm")

    def ready(self) -> None:
        # The yearly BÁO CÁO is printed by the document register's pipeline from this builder.
        from core.documents.builders import register_builder
        from core.documents.models import DocumentKind

        from .exports import report_document_build

        register_builder(DocumentKind.REPORT, report_document_build)
