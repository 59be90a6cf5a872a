"""Per-host upkeep run by the system crontab (django-crontab, CRONJOBS in settings).

Each function logs to logs/crontab/ with this host's address. Failures are logged and
turn into a non-zero exit by the project's ``crontab run`` (``cron_runner``).
"""

from loguru import logger

from basic.filejobs import cleanup
from basic.filejobs.host import host_ip
from basic.filejobs.scratch import remove_abandoned

cron_log = logger.bind(concern="crontab")


def cron_heartbeat() -> None:
    """One line a minute: the simplest proof that cron runs on this host."""
    cron_log.info("cron heartbeat host={}", host_ip())


def job_files_expire() -> None:
    deleted = cleanup.job_files_expire()
    temp = remove_abandoned()  # scratch folders of processes that died on this host
    cron_log.info("expired job files host={} deleted={} temporary={}", host_ip(), deleted, temp)


def log_files_expire() -> None:
    cron_log.info("expired log files host={} deleted={}", host_ip(), cleanup.log_files_expire())
