from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """The register of state acts and their rendering: one app below every app that issues documents."""

    name = "core.documents"
    label = "documents"
    verbose_name = _("Văn bản, sổ đăng ký")
