from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefinitionsConfig(AppConfig):
    name = "definitions"
    verbose_name = _("Biểu mẫu và chỉ tiêu")
