from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Lõi hệ thống")

    def ready(self) -> None:
        # Registers the system check that MEDIA_ROOT is never among the published static folders.
        from . import files  # noqa: F401

        # Connects the signals that drop cached API tokens when a token is revoked or a user changes.
        from .api import authentication  # noqa: F401
