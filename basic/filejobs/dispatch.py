"""Handing jobs and parts to the broker. The row is the truth, the broker a messenger.

A message carries an id only. Whoever wins a row's conditional UPDATE sends it; when the
broker is down the row stays sendable and the sweeper sends it later.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from loguru import logger

from basic.filejobs.models import FileJob, ImportPart, JobStatus, PartStatus
from basic.filejobs.tasks import job_run, part_run

job_log = logger.bind(concern="file")


def job_queue(direction: str) -> str:
    """The Celery queue for jobs of this direction (imports, exports)."""
    return settings.JOB_QUEUES.get(direction, settings.CELERY_TASK_DEFAULT_QUEUE)


def job_enqueue(*, job_id: int, again: bool = False) -> bool:
    """Hand the job to the broker. If the broker is down the job stays queued for the sweeper.

    ``again``: its earlier message was lost; the lock celery_once keeps while a message
    is in the queue is dropped first, or this send would be taken for a duplicate.
    """
    direction = FileJob.objects.filter(pk=job_id).values_list("direction", flat=True).first()
    # Stamped before sending: a worker may take the message and mark the job waiting for
    # a slot (enqueued_at cleared) before this process would get to stamp it afterwards.
    sent_at = timezone.now()
    FileJob.objects.filter(pk=job_id).update(enqueued_at=sent_at)
    try:
        if again:
            job_run.forget_sent(job_id)
        job_run.apply_async(
            args=[job_id],
            retry=False,
            queue=job_queue(direction or ""),
            timeout=settings.BROKER_PUBLISH_TIMEOUT,
        )
    except Exception as exc:  # any broker failure: the row keeps the job
        job_log.warning(
            "job {} not enqueued (broker unavailable, sweeper will retry): {}", job_id, exc
        )
        job = FileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED)
        with translation.override(job.values_list("language", flat=True).first()):
            job.filter(enqueued_at=sent_at).update(
                enqueued_at=None,
                message=_("Waiting for the queue: the job will start as soon as it is reachable."),
            )
        return False
    return True


def job_enqueue_on_commit(job: FileJob) -> None:
    transaction.on_commit(lambda: job_enqueue(job_id=job.pk))


def job_start_waiting(*, owner_id: int, before: int | None = None) -> list[int]:
    """Send the owner's oldest waiting jobs (older than job ``before``, if given), as many
    as they have free slots; returns the ids of those sent.

    Called when one of their jobs starts or ends, and by the sweeper: a waiting job is
    woken by a change that may let it start, never by sending itself again. Jobs whose
    message is in the broker are left alone (enqueued_at is set); each waiting job is
    sent by whoever wins its conditional UPDATE.
    """
    limit = settings.MAX_RUNNING_JOBS_PER_USER
    jobs = FileJob.objects.filter(owner_id=owner_id)
    free = limit - jobs.filter(status=JobStatus.RUNNING).count() if limit else None
    if free is not None and free <= 0:
        return []
    waiting = jobs.filter(status=JobStatus.QUEUED, enqueued_at__isnull=True)
    if before is not None:
        waiting = waiting.filter(pk__lt=before)
    sent = []
    for job_id in waiting.order_by("pk").values_list("pk", flat=True)[:free]:
        won = FileJob.objects.filter(
            pk=job_id, status=JobStatus.QUEUED, enqueued_at__isnull=True
        ).update(enqueued_at=timezone.now())
        if won and job_enqueue(job_id=job_id):
            sent.append(job_id)
    return sent


def parts_send(job_id: int) -> int:
    """Send the job's next unsent parts, keeping at most IMPORT_PARTS_AT_ONCE in flight.

    Each part is sent by whoever wins its conditional UPDATE; returns how many this
    call sent. Safe to call from any process at any time.
    """
    parts = ImportPart.objects.filter(job_id=job_id)
    in_flight = parts.filter(
        Q(status=PartStatus.RUNNING) | Q(status=PartStatus.PENDING, sent_at__isnull=False)
    ).count()
    free = settings.IMPORT_PARTS_AT_ONCE - in_flight
    sent = 0
    unsent = parts.filter(status=PartStatus.PENDING, sent_at__isnull=True).order_by("number")
    for part_id in unsent.values_list("pk", flat=True)[: max(0, free)]:
        if ImportPart.objects.filter(pk=part_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        ):
            sent += _part_send(part_id)
    return sent


def _part_send(part_id: int) -> bool:
    try:
        part_run.apply_async(
            args=[part_id],
            retry=False,
            queue=job_queue("import"),
            timeout=settings.BROKER_PUBLISH_TIMEOUT,
        )
    except Exception as exc:  # broker down: unsent again, for the sweeper
        job_log.warning("part {} not sent (sweeper will retry): {}", part_id, exc)
        ImportPart.objects.filter(pk=part_id, status=PartStatus.PENDING).update(sent_at=None)
        return False
    return True
