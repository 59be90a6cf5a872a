from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasicConfig(AppConfig):
    name = "basic"
    verbose_name = _("Base data")
