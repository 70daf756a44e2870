from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Đơn vị và địa bàn")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
