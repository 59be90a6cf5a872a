"""``crontab run HASH`` that reports failure, for django-crontab 0.7.1.

django-crontab's own runner catches every exception and exits 0, so cron (and whoever
watches it) never learns that a job failed. This runner keeps its behaviour (the job is
found by the hash written in the crontab line, and the same per-job lock file prevents
overlapping runs) but logs the traceback and raises.
"""

import fcntl
import os
import tempfile
from importlib import import_module

from django_crontab.crontab import Crontab
from loguru import logger

from basic.filejobs.errors import CronJobFailed
from basic.filejobs.host import host_ip

cron_log = logger.bind(concern="crontab")


def cron_job_by_hash(job_hash: str) -> tuple:
    return Crontab(readonly=True)._Crontab__get_job_by_hash(job_hash)


def cron_job_run(job_hash: str) -> bool:
    """Run the job; False when another run of it still holds the lock on this host."""
    job = cron_job_by_hash(job_hash)
    name = job[1]
    args = job[2] if len(job) > 2 and not isinstance(job[2], str) else []
    kwargs = job[3] if len(job) > 3 else {}
    lock_path = os.path.join(tempfile.gettempdir(), f"django_crontab_{job_hash}.lock")
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            cron_log.warning(
                "cron job {} still running on {}: this run is skipped",
                name,
                host_ip(),
            )
            return False
        module_path, function_name = name.rsplit(".", 1)
        try:
            getattr(import_module(module_path), function_name)(*args, **kwargs)
        except Exception as exc:
            cron_log.exception("cron job {} failed on {}", name, host_ip())
            raise CronJobFailed(f"cron job {name} failed: {exc}") from exc
    return True
