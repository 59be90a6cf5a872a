from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasicConfig(AppConfig):
    name = "basic"
    verbose_name = _("Base data")

    def ready(self):
        from . import excel  # noqa: F401  registers this app's kinds of sheet
