"""Per-host upkeep run by the system crontab (django-crontab, CRONJOBS in settings).

Each function logs to logs/crontab/ with this host's address. Failures are logged and
turn into a non-zero exit by the project's ``crontab run`` (basic/cron_runner.py).
"""

from loguru import logger

from basic.filejobs.cleanup import job_files_expire, log_files_expire
from basic.filejobs.host import host_ip
from basic.filejobs.scratch import remove_abandoned

cron_log = logger.bind(concern="crontab")


def heartbeat() -> None:
    """One line a minute: the simplest proof that cron runs on this host."""
    cron_log.info("cron heartbeat host={}", host_ip())


def expire_job_files() -> None:
    deleted = job_files_expire()
    temp = remove_abandoned()  # scratch folders of processes that died on this host
    cron_log.info("expired job files host={} deleted={} temporary={}", host_ip(), deleted, temp)


def expire_logs() -> None:
    cron_log.info("expired log files host={} deleted={}", host_ip(), log_files_expire())
