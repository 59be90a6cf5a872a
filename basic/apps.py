from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasicConfig(AppConfig):
    name = "basic"
    verbose_name = _("Base data")

    def ready(self):
        from django.conf import settings

        from basic import excel  # noqa: F401  registers this app's kinds of sheet
        from oms_conf.local_state import make_local_folders

        make_local_folders(settings)
