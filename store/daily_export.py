"""The nightly export of the previous day's orders, for stores that ask for it."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from loguru import logger

from basic.filejobs.models import FileJob, JobDirection
from basic.filejobs.requests import (
    RequestRefused,
    export_job_create,
    fingerprint,
    normalized_filters,
)

from .models import Store

job_log = logger.bind(concern="file")


def previous_day_filters(store: Store, *, now: datetime) -> dict:
    """The admin list filters for yesterday in the store's own time zone."""
    zone = ZoneInfo(store.time_zone)
    today = timezone.localtime(now, zone).date()
    start = datetime.combine(today - timedelta(days=1), time.min, tzinfo=zone)
    end = datetime.combine(today, time.min, tzinfo=zone)
    return {
        "store__id__exact": str(store.pk),
        "ordered_at__gte": start.isoformat(),
        "ordered_at__lt": end.isoformat(),
    }


def daily_store_exports_create(
    *, now: datetime | None = None, file_format: str = "xlsx"
) -> list[FileJob]:
    """One export job per flagged store, owned by its designated user; never twice a day."""
    now = now or timezone.now()
    jobs = []
    stores = Store.objects.filter(daily_export=True, daily_export_owner__isnull=False)
    for store in stores.select_related("daily_export_owner"):
        filters = previous_day_filters(store, now=now)
        owner = store.daily_export_owner
        digest = fingerprint(
            kind="order", file_format=file_format, filters=normalized_filters(filters), ids=None
        )
        # Two beats started by mistake run this twice at once: the store's row lock makes
        # the second wait, then find the first one's job, even if that one has ended.
        with transaction.atomic():
            list(Store.objects.select_for_update().filter(pk=store.pk).values_list("pk"))
            if FileJob.objects.filter(
                owner=owner, direction=JobDirection.EXPORT, fingerprint=digest
            ).exists():
                continue
            try:
                job, _created = export_job_create(
                    user=owner, kind="order", file_format=file_format, filters=filters, quota=False
                )
            except RequestRefused as refused:  # e.g. the owner lost the permission
                job_log.error("daily export of store {} refused: {}", store.code, refused.message)
                continue
        job_log.info("daily export of store {} queued as job {}", store.code, job.pk)
        jobs.append(job)
    return jobs
