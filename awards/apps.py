from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Khen thưởng")

    def ready(self) -> None:
        # Tờ trình, báo cáo thành tích, biên bản, quyết định and certificates are printed by the document
        # register's pipeline from these builders (awards/documents.py).
        from .documents import register_builders

        register_builders()
