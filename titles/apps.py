from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TitlesConfig(AppConfig):
    name = "titles"
    verbose_name = _("Danh hiệu học tập")

    def ready(self) -> None:
        # The recognition decision's printed form (core.documents renders it; titles knows what it says).
        from . import documents

        documents.register()
