from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreConfig(AppConfig):
    name = "store"
    verbose_name = _("Stores and orders")

    def ready(self):
        from . import excel  # noqa: F401  registers this app's kinds of sheet
