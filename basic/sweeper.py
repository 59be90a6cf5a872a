"""The sweeper (Celery beat, every minute): no job is left behind.

* A queued job whose message never reached the broker (it was down at upload time), or
  was lost with a killed worker, is enqueued again.
* A running job whose heartbeat stopped is re-queued once (imports resume after their
  last committed chunk), and marked failed if its worker dies again.
* The same for the parts of a split import: a part whose heartbeat stopped is sent
  again once; a part whose message was lost is sent again; parts not sent (the broker
  was down) are sent.

Every decision is a conditional UPDATE on the job row: two sweepers started by mistake
(two beats) can both run, and each job is still handled by exactly one of them.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from loguru import logger

from .import_parts import parts_send
from .jobs import job_enqueue, stale_before
from .models import FileJob, ImportPart, JobStatus, PartStatus

MAX_ATTEMPTS = 2
job_log = logger.bind(concern="file")


def _requeue_due():
    now = timezone.now()
    lost_before = now - timedelta(minutes=settings.JOB_REQUEUE_MINUTES)
    # never sent (the web is about to send it itself), or waiting for a slot of its owner
    never_sent_before = now - timedelta(seconds=10)
    return Q(status=JobStatus.QUEUED) & (
        Q(enqueued_at__isnull=True, created_at__lt=never_sent_before)
        | Q(enqueued_at__lt=lost_before)
    )


def _enqueue_queued() -> int:
    sent = 0
    for job_id, enqueued_at in FileJob.objects.filter(_requeue_due()).values_list(
        "pk", "enqueued_at"
    ):
        # Claim the right to send: only the sweeper whose UPDATE matches sends it.
        won = FileJob.objects.filter(
            pk=job_id, status=JobStatus.QUEUED, enqueued_at=enqueued_at
        ).update(enqueued_at=timezone.now())
        if won and job_enqueue(job_id=job_id):
            job_log.info("sweeper enqueued job {} again", job_id)
            sent += 1
    return sent


def _recover_stale() -> tuple[int, int]:
    requeued = failed = 0
    stale = FileJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before())
    # a split job with parts to run lives in its parts (its heartbeat stops while they
    # wait in the queue); once they are all committed, it is a job like any other
    stale = stale.filter(Q(parts_left__isnull=True) | Q(parts_left=0))
    for job_id, attempts, heartbeat_at in stale.values_list("pk", "attempts", "heartbeat_at"):
        this_job = FileJob.objects.filter(
            pk=job_id, status=JobStatus.RUNNING, heartbeat_at=heartbeat_at
        )
        if attempts >= MAX_ATTEMPTS:
            if _fail(this_job, attempts):
                job_log.warning("sweeper failed job {} after {} attempts", job_id, attempts)
                failed += 1
            continue
        if this_job.update(status=JobStatus.QUEUED, enqueued_at=timezone.now()):
            job_log.warning("sweeper re-queued stale job {} (attempt {})", job_id, attempts)
            job_enqueue(job_id=job_id)
            requeued += 1
    return requeued, failed


def _fail(job: QuerySet, attempts: int) -> bool:
    """Fail the running job (a one-row queryset) whose worker died ``attempts`` times;
    the message is in the job's language."""
    with translation.override(job.values_list("language", flat=True).first()):
        return bool(
            job.update(
                status=JobStatus.FAILED,
                finished_at=timezone.now(),
                message=_(
                    "The worker running this job stopped responding %(times)s times; the job "
                    "was stopped. Rows committed before that are kept; retry to import the rest."
                )
                % {"times": attempts},
            )
        )


def _recover_parts() -> tuple[int, int]:
    """Parts of running split imports: stale ones and lost messages go back to unsent,
    then every job with unsent parts sends them (up to its limit of parts at once)."""
    requeued = failed = 0
    running = ImportPart.objects.filter(job__status=JobStatus.RUNNING)
    stale = running.filter(status=PartStatus.RUNNING, heartbeat_at__lt=stale_before())
    for part_id, job_id, attempts, heartbeat_at in stale.values_list(
        "pk", "job_id", "attempts", "heartbeat_at"
    ):
        if attempts >= MAX_ATTEMPTS:
            if _fail(FileJob.objects.filter(pk=job_id, status=JobStatus.RUNNING), attempts):
                job_log.warning("sweeper failed job {}: part {} died again", job_id, part_id)
                failed += 1
            continue
        if ImportPart.objects.filter(
            pk=part_id, status=PartStatus.RUNNING, heartbeat_at=heartbeat_at
        ).update(status=PartStatus.PENDING, sent_at=None):
            job_log.warning("sweeper re-queued stale part {} of job {}", part_id, job_id)
            requeued += 1
    lost_before = timezone.now() - timedelta(minutes=settings.JOB_REQUEUE_MINUTES)
    lost = running.filter(status=PartStatus.PENDING, sent_at__lt=lost_before)
    for part_id, sent_at in lost.values_list("pk", "sent_at"):
        ImportPart.objects.filter(pk=part_id, sent_at=sent_at).update(sent_at=None)
    unsent = running.filter(status=PartStatus.PENDING, sent_at__isnull=True)
    for job_id in set(unsent.values_list("job_id", flat=True)):
        parts_send(job_id)
    return requeued, failed


def jobs_sweep() -> dict:
    """One pass; safe to run on several hosts at once. Returns what it did."""
    sent = _enqueue_queued()
    requeued, failed = _recover_stale()
    parts_requeued, parts_failed = _recover_parts()
    return {
        "enqueued": sent,
        "requeued": requeued + parts_requeued,
        "failed": failed + parts_failed,
    }
