"""The sweeper (Celery beat, every minute): no job is left behind.

* A queued job whose message never reached the broker (it was down at upload time), or
  was lost with a killed worker, is enqueued again.
* A running job whose heartbeat stopped is re-queued once (imports resume after their
  last committed chunk), and marked failed if its worker dies again.

Every decision is a conditional UPDATE on the job row: two sweepers started by mistake
(two beats) can both run, and each job is still handled by exactly one of them.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from loguru import logger

from .jobs import job_enqueue, stale_before
from .models import FileJob, JobStatus

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
    for job_id, attempts, heartbeat_at in stale.values_list("pk", "attempts", "heartbeat_at"):
        this_job = FileJob.objects.filter(
            pk=job_id, status=JobStatus.RUNNING, heartbeat_at=heartbeat_at
        )
        if attempts >= MAX_ATTEMPTS:
            if this_job.update(
                status=JobStatus.FAILED,
                finished_at=timezone.now(),
                message=_(
                    "The worker running this job stopped responding %(times)s times; the job was "
                    "stopped. Rows committed before that are kept; retry to import the rest."
                )
                % {"times": attempts},
            ):
                job_log.warning("sweeper failed job {} after {} attempts", job_id, attempts)
                failed += 1
            continue
        if this_job.update(status=JobStatus.QUEUED, enqueued_at=timezone.now()):
            job_log.warning("sweeper re-queued stale job {} (attempt {})", job_id, attempts)
            job_enqueue(job_id=job_id)
            requeued += 1
    return requeued, failed


def jobs_sweep() -> dict:
    """One pass; safe to run on several hosts at once. Returns what it did."""
    sent = _enqueue_queued()
    requeued, failed = _recover_stale()
    return {"enqueued": sent, "requeued": requeued, "failed": failed}
