"""Expiry of job files and job history, through the job storage."""

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from loguru import logger

from basic.filejobs import job_files
from basic.filejobs.models import FileJob, ImportPart
from basic.filejobs.pipeline.parts import payload_folder


def _delete_if_here(name: str) -> bool:
    """Delete a job file if this host's storage has it (a shared storage always does)."""
    storage = job_files.job_storage()
    if not name or not storage.exists(name):
        return False
    storage.delete(name)
    return True


def job_files_expire(*, now=None) -> dict[str, int]:
    """Delete the files of ended jobs past their retention; files of active jobs stay.

    Uploads expire ``OMS_UPLOAD_TTL_DAYS`` after their job ended, results and error reports
    ``OMS_EXPORT_TTL_DAYS`` after. The job row forgets a file only once it is deleted, so
    a file kept on another host's disk is left for that host's own cleanup.
    """
    now = now or timezone.now()
    ended = FileJob.objects.filter(status__in=FileJob.ENDED, finished_at__isnull=False)
    deleted = {"upload_name": 0, "result_name": 0, "error_report_name": 0}
    cutoffs = {
        "upload_name": now - timedelta(days=settings.UPLOAD_TTL_DAYS),
        "result_name": now - timedelta(days=settings.EXPORT_TTL_DAYS),
        "error_report_name": now - timedelta(days=settings.EXPORT_TTL_DAYS),
    }
    for field, cutoff in cutoffs.items():
        expired = ended.filter(finished_at__lt=cutoff).exclude(**{field: ""})
        for job_id, name in expired.values_list("pk", field).iterator():
            if _delete_if_here(name):
                FileJob.objects.filter(pk=job_id).update(**{field: ""})
                deleted[field] += 1
    # the rows of a split import's parts go with its upload (a failed job may be retried)
    parts = ImportPart.objects.filter(job__in=ended.filter(finished_at__lt=cutoffs["upload_name"]))
    deleted["part_payloads"] = 0
    for part_id, name in parts.exclude(payload_name="").values_list("pk", "payload_name"):
        if _delete_if_here(name):
            ImportPart.objects.filter(pk=part_id).update(payload_name="")
            deleted["part_payloads"] += 1
    return deleted


def log_files_expire(*, now: float | None = None) -> int:
    """Log files under OMS_LOG_DIR not written to for OMS_LOG_RETENTION_DAYS."""
    cutoff = (now or time.time()) - settings.LOG_RETENTION_DAYS * 86400
    removed = 0
    for path in settings.LOG_DIR.glob("*/*.log"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def job_history_purge(*, now=None) -> int:
    """Delete job rows (with their files and row errors) ended before OMS_JOB_HISTORY_DAYS."""
    now = now or timezone.now()
    old = FileJob.objects.filter(
        status__in=FileJob.ENDED, finished_at__lt=now - timedelta(days=settings.JOB_HISTORY_DAYS)
    )
    purged = 0
    for job in old.iterator():
        payloads = job.parts.exclude(payload_name="").values_list("payload_name", flat=True)
        for name in (job.upload_name, job.result_name, job.error_report_name, *payloads):
            _delete_if_here(name)
        job_files.delete_folder(payload_folder(job.pk))  # and any a dead worker left unrecorded
        job.delete()
        purged += 1
    logger.bind(concern="file").info("purged {} job rows", purged)
    return purged
