"""This host's address, as the jobs, logs and cron lines report it (``OMS_HOST_IP`` wins)."""

from django.conf import settings

from utils.get_host_ip import get_ip


def host_ip() -> str:
    return get_ip(settings.HOST_IP)
