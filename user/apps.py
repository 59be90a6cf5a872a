from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UserConfig(AppConfig):
    name = "user"
    verbose_name = _("Users and access")

    def ready(self):
        from . import excel  # noqa: F401  registers this app's kinds of sheet
