"""The sweeper (Celery beat, every minute): no job is left behind.

* A queued job whose message never reached the broker (it was down at upload time) is
  sent when its owner has a free slot, as are jobs that wait for a slot or their turn;
  a job whose message the broker lost, or a killed worker took with it, is sent again.
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
from django.utils import timezone
from loguru import logger

from basic.filejobs.broker_queues import ready_messages
from basic.filejobs.claims import MAX_ATTEMPTS, lost_its_worker, stale_before
from basic.filejobs.dispatch import job_enqueue, job_queue, job_start_waiting, parts_send
from basic.filejobs.lifecycle import job_fail_worker_lost
from basic.filejobs.models import FileJob, ImportPart, JobStatus, PartStatus

job_log = logger.bind(concern="file")


def _wake_waiting() -> int:
    """Jobs with no message in the broker (waiting for a slot or their turn, or never
    sent because the broker was down): their owners' oldest ones are sent, as many as
    each owner has free slots. A job just created is left to the web, which sends it."""
    unsent = FileJob.objects.filter(
        status=JobStatus.QUEUED,
        enqueued_at__isnull=True,
        created_at__lt=timezone.now() - timedelta(seconds=10),
    )
    sent = 0
    for owner_id in set(unsent.values_list("owner_id", flat=True)):
        for job_id in job_start_waiting(owner_id=owner_id):
            job_log.info("sweeper enqueued job {} again", job_id)
            sent += 1
    return sent


def _resend_lost() -> int:
    """Queued jobs whose message the broker lost (a broker restarted without keeping its
    messages, a worker killed with the message prefetched) are sent again.

    A message is taken for lost when it was sent over JOB_LOST_SECONDS ago and its queue
    holds no message, or a job sent after it to the same queue has already started (the
    queue is first in, first out); and in any case after JOB_REQUEUE_MINUTES.
    """
    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.JOB_LOST_SECONDS)
    given_up_before = now - timedelta(minutes=settings.JOB_REQUEUE_MINUTES)
    sizes: dict[str, int | None] = {}
    sent = 0
    due = FileJob.objects.filter(status=JobStatus.QUEUED, enqueued_at__lt=lost_before)
    for job_id, enqueued_at, direction in due.values_list("pk", "enqueued_at", "direction"):
        queue = job_queue(direction)
        if queue not in sizes:
            sizes[queue] = ready_messages(queue)
        passed = FileJob.objects.filter(
            pk__gt=job_id,
            direction=direction,
            enqueued_at__gt=enqueued_at,
            started_at__gt=enqueued_at,
        ).exists()
        if not (sizes[queue] == 0 or passed or enqueued_at < given_up_before):
            continue
        # the right to send it again: only the sweeper whose UPDATE matches sends it
        won = FileJob.objects.filter(
            pk=job_id, status=JobStatus.QUEUED, enqueued_at=enqueued_at
        ).update(enqueued_at=now)
        if won and job_enqueue(job_id=job_id, again=True):
            job_log.warning("sweeper sent job {} again: its message was lost", job_id)
            sent += 1
    return sent


def _recover_stale() -> tuple[int, int]:
    requeued = failed = 0
    stale = FileJob.objects.filter(lost_its_worker())
    for job_id, attempts, heartbeat_at in stale.values_list("pk", "attempts", "heartbeat_at"):
        this_job = FileJob.objects.filter(
            pk=job_id, status=JobStatus.RUNNING, heartbeat_at=heartbeat_at
        )
        if attempts >= MAX_ATTEMPTS:
            if job_fail_worker_lost(job=this_job, attempts=attempts):
                job_log.warning("sweeper failed job {} after {} attempts", job_id, attempts)
                failed += 1
            continue
        if this_job.update(status=JobStatus.QUEUED, enqueued_at=timezone.now()):
            job_log.warning("sweeper re-queued stale job {} (attempt {})", job_id, attempts)
            job_enqueue(job_id=job_id)
            requeued += 1
    return requeued, failed


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
            this_job = FileJob.objects.filter(pk=job_id, status=JobStatus.RUNNING)
            if job_fail_worker_lost(job=this_job, attempts=attempts):
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
    sent = _wake_waiting() + _resend_lost()
    requeued, failed = _recover_stale()
    parts_requeued, parts_failed = _recover_parts()
    return {
        "enqueued": sent,
        "requeued": requeued + parts_requeued,
        "failed": failed + parts_failed,
    }
