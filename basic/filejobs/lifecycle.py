"""A job's life after its request: claimed (jobs and parts alike), waiting for a slot or
its turn, beating, failed, cancelled, retried. Every change is a conditional UPDATE of
the job's (or part's) row, so any process on any host may make it at any time.
"""

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from loguru import logger

from basic.filejobs import dispatch
from basic.filejobs.claims import MAX_ATTEMPTS, Claim, lost_its_worker, stale_before
from basic.filejobs.errors import JobWaiting
from basic.filejobs.host import host_ip
from basic.filejobs.models import FileJob, ImportPart, JobDirection, JobStatus, PartStatus
from basic.filejobs.pipeline.parts import parts_payloads_delete

job_log = logger.bind(concern="file")
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


# Claiming -------------------------------------------------------------------------------


def _take(rows: QuerySet, claimable: Q, worker: str, **more) -> int:
    """The one claim of jobs and parts: a conditional UPDATE that two workers never both
    win. ``claimable`` says which rows may be taken (waiting, or left by a dead worker);
    the winner's ``attempts`` is its claim's token (``claims.Claim``)."""
    running = JobStatus.RUNNING if rows.model is FileJob else PartStatus.RUNNING
    now = timezone.now()
    return rows.filter(claimable).update(
        status=running,
        heartbeat_at=now,
        host=host_ip(),
        worker=worker,
        attempts=F("attempts") + 1,
        **more,
    )


def job_claim(*, job_id: int, worker: str) -> FileJob | None:
    """Take the job for this worker; None when it is not claimable (ended, cancelled, or
    running elsewhere).

    A queued job is claimable, and so is a running one whose heartbeat stopped (its
    worker died; the broker delivered the message again). Raises JobWaiting when the
    job must wait for a slot or its turn.
    """
    with transaction.atomic():
        waits, behind = _why_wait(job_id)
        if waits:
            _mark_waiting(job_id, behind)
            claimed = 0
        else:
            claimable = Q(status=JobStatus.QUEUED) | lost_its_worker(attempts__lt=MAX_ATTEMPTS)
            rows = FileJob.objects.filter(pk=job_id)
            claimed = _take(rows, claimable, worker, started_at=timezone.now(), message="")
    if waits:
        raise JobWaiting(job_id, behind)
    if not claimed:
        return None
    return FileJob.objects.select_related("owner").get(pk=job_id)


def part_claim(*, part_id: int, worker: str) -> ImportPart | None:
    """Take one part of a split import for this worker, as ``job_claim`` takes a job."""
    claimable = Q(status=PartStatus.PENDING) | Q(
        # one that died MAX_ATTEMPTS times is the sweeper's to fail, not to run again
        status=PartStatus.RUNNING,
        heartbeat_at__lt=stale_before(),
        attempts__lt=MAX_ATTEMPTS,
    )
    if not _take(ImportPart.objects.filter(pk=part_id), claimable, worker):
        return None
    return ImportPart.objects.select_related("job", "job__owner").get(pk=part_id)


def job_fail_worker_lost(*, job: QuerySet, attempts: int) -> bool:
    """Fail the running job (a one-row queryset) whose worker died ``attempts`` times,
    saying so in the job's language; False when it was no longer running."""
    with translation.override(job.values_list("language", flat=True).first()):
        return bool(
            job.update(
                status=JobStatus.FAILED,
                finished_at=timezone.now(),
                message=_(
                    "This file stopped its worker %(times)s times (the worker's memory or "
                    "time limit, or the worker was killed); it will not be retried "
                    "automatically. Rows committed before that are kept; retry to import "
                    "the rest."
                )
                % {"times": attempts},
            )
        )


def job_fail_if_it_stopped_its_workers(job_id: int) -> bool:
    """A message of a job whose worker died MAX_ATTEMPTS times came back (the broker
    redelivers what a dead worker held): the job is failed, not run again."""
    stopped = FileJob.objects.filter(lost_its_worker(attempts__gte=MAX_ATTEMPTS), pk=job_id)
    attempts = stopped.values_list("attempts", flat=True).first()
    return attempts is not None and job_fail_worker_lost(job=stopped, attempts=attempts)


# Slots and turns ------------------------------------------------------------------------


def _why_wait(job_id: int) -> tuple[bool, int | None]:
    """Whether this queued job must wait, and the earlier job it waits for, if any.

    A job waits when its owner runs MAX_RUNNING_JOBS_PER_USER jobs (only running jobs
    take a slot), or for its turn: one user's imports start in the order they were
    created, and so do their exports, among the jobs that can start. An earlier job can
    start when it waits for a slot itself (no message in the broker), or when its
    message is on its way: sent after this job's (it was woken later) or in the last
    JOB_IN_FLIGHT_SECONDS (another worker may be claiming it right now). An earlier job
    whose message was sent before this one's and long ago is not in the broker any
    more (the queue is first in, first out): its message was lost, and it holds no one
    back; the sweeper sends it again.

    Run inside the claim's transaction, after locking the owner's row, so that two
    workers claiming two jobs of one user count one after the other.
    """
    limit = settings.MAX_RUNNING_JOBS_PER_USER
    job = FileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED)
    job = job.values("owner_id", "direction", "enqueued_at").first()
    if not limit or job is None:
        return False, None
    owner_id = job["owner_id"]
    list(get_user_model().objects.select_for_update().filter(pk=owner_id).values_list("pk"))
    jobs = FileJob.objects.filter(owner_id=owner_id)
    if jobs.filter(status=JobStatus.RUNNING).count() >= limit:
        return True, None
    in_flight_since = timezone.now() - timedelta(seconds=settings.JOB_IN_FLIGHT_SECONDS)
    sent_at = min(job["enqueued_at"] or in_flight_since, in_flight_since)
    earlier = jobs.filter(status=JobStatus.QUEUED, direction=job["direction"], pk__lt=job_id)
    earlier = earlier.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__gt=sent_at))
    behind = earlier.order_by("pk").values_list("pk", flat=True).first()
    return behind is not None, behind


def _mark_waiting(job_id: int, behind: int | None) -> None:
    """Say why the job waits; its message is consumed, so it is no longer enqueued."""
    job = FileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED)
    with translation.override(job.values_list("language", flat=True).first()):
        if behind is None:
            message = _(
                "Waiting for a free slot: at most %(limit)s of your jobs run at once; "
                "this one starts when an earlier one ends."
            ) % {"limit": settings.MAX_RUNNING_JOBS_PER_USER}
        else:
            message = _(
                "Waiting for its turn: your jobs start in the order you created them, and "
                "your job #%(job)s starts first."
            ) % {"job": behind}
        job.update(enqueued_at=None, message=message)


def job_start_next(job: FileJob) -> None:
    """Once the job has ended (whichever way), its owner's next waiting job starts."""
    try:
        if not FileJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exists():
            dispatch.job_start_waiting(owner_id=job.owner_id)
    except DatabaseError as exc:  # the sweeper starts it instead
        job_log.warning("job {}: next waiting job not started: {}", job.pk, exc)


# Running --------------------------------------------------------------------------------


class Heartbeat:
    """Beats for a running job from a thread, so a long chunk never looks like a dead worker.

    ``beat`` (a claim's) returns False once there is nothing left to beat for.
    """

    def __init__(self, job_id: int, beat):
        self.job_id = job_id
        self.beat = beat
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                if not self.beat():
                    return
        except DatabaseError as exc:
            job_log.warning("job {} heartbeat stopped: {}", self.job_id, exc)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()


def job_fail(*, claim: Claim, message: str, input_refused: bool = False) -> None:
    """End the claimed job as failed; nothing happens if the claim was lost meanwhile.

    `input_refused`: its file or request was refused, so a retry cannot help."""
    claim.job_rows().update(
        status=JobStatus.FAILED,
        message=message,
        input_refused=input_refused,
        finished_at=timezone.now(),
    )


def job_fail_unexpected(*, claim: Claim) -> None:
    job_fail(
        claim=claim,
        message=_(
            "The job stopped on an unexpected error; "
            "the administrators have the details in the logs."
        ),
    )


# The owner's actions --------------------------------------------------------------------


def job_cancel(*, job: FileJob) -> bool:
    """Cancel a queued or running job; a running import stops within
    IMPORT_CANCEL_CHECK_ROWS rows read, and the part files of a split import go."""
    cancelled = FileJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    if cancelled:
        transaction.on_commit(lambda: dispatch.job_start_waiting(owner_id=job.owner_id))
        transaction.on_commit(lambda: parts_payloads_delete(job.pk))
    return bool(cancelled)


def job_wait(*, job_id: int, timeout: float, poll: float = 0.5) -> FileJob:
    """Block until the job has ended; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        job = FileJob.objects.get(pk=job_id)
        if job.is_ended:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job.status} after {timeout:.0f}s")
        time.sleep(poll)


def job_may_retry(job: FileJob) -> bool:
    """Failed by something other than its input, with its upload (if any) still kept."""
    kept = job.direction == JobDirection.EXPORT or bool(job.upload_name)
    return job.status == JobStatus.FAILED and not job.retry_cannot_help and kept


def job_retry(*, job: FileJob, language: str = "") -> bool:
    """Queue a failed job again with the same file and options.

    An import resumes after its last committed chunk: rows already written stay and are
    not written twice. The new run speaks ``language`` (the retrier's), if given, in its
    message, notes and error report. False when the job is not failed, its upload has
    expired, or its input was refused (the same file would be refused again).
    """
    if not job_may_retry(job):
        return False
    language = language or job.language
    retried = FileJob.objects.filter(
        pk=job.pk, status=JobStatus.FAILED, input_refused=False
    ).update(
        status=JobStatus.QUEUED,
        message="",
        finished_at=None,
        enqueued_at=None,
        language=language,
    )
    if retried:
        dispatch.job_enqueue_on_commit(job)
    return bool(retried)
