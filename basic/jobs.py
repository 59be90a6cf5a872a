"""File jobs: create, enqueue, claim, run, end. The row is the truth, the broker a messenger."""

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from loguru import logger

from utils.get_host_ip import get_ip

from .claims import Claim
from .job_errors import JobRefused, JobTakenOver, RunStopped
from .models import FileJob, JobDirection, JobStatus

job_log = logger.bind(concern="file")
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def job_queue(direction: str) -> str:
    """The Celery queue for jobs of this direction (imports, exports)."""
    return settings.JOB_QUEUES.get(direction, settings.CELERY_TASK_DEFAULT_QUEUE)


def job_enqueue(*, job_id: int) -> bool:
    """Hand the job to the broker. If the broker is down the job stays queued for the sweeper."""
    from .tasks import run_file_job

    direction = FileJob.objects.filter(pk=job_id).values_list("direction", flat=True).first()
    # Stamped before sending: a worker may take the message and mark the job waiting for
    # a slot (enqueued_at cleared) before this process would get to stamp it afterwards.
    sent_at = timezone.now()
    FileJob.objects.filter(pk=job_id).update(enqueued_at=sent_at)
    try:
        run_file_job.apply_async(args=[job_id], retry=False, queue=job_queue(direction or ""))
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


def stale_before():
    return timezone.now() - timedelta(minutes=settings.JOB_STALE_MINUTES)


class JobWaiting(Exception):
    """The job's owner has all their slots taken (or older jobs waiting): it stays queued."""


def _waits_for_a_slot(job_id: int) -> bool:
    """True when this queued job must wait: its owner runs MAX_RUNNING_JOBS_PER_USER jobs,
    or has an older job of the same direction queued (one user's imports start in the
    order they were created, and so do their exports; an export never waits for an
    import still in the queue).

    Run inside the claim's transaction, after locking the owner's row, so that two
    workers claiming two jobs of one user count one after the other.
    """
    limit = settings.MAX_RUNNING_JOBS_PER_USER
    job = FileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).values("owner_id", "direction")
    job = job.first()
    if not limit or job is None:
        return False
    owner_id = job["owner_id"]
    list(get_user_model().objects.select_for_update().filter(pk=owner_id).values_list("pk"))
    jobs = FileJob.objects.filter(owner_id=owner_id)
    running = jobs.filter(status=JobStatus.RUNNING).count()
    older = jobs.filter(status=JobStatus.QUEUED, direction=job["direction"], pk__lt=job_id)
    return running >= limit or older.exists()


def job_claim(*, job_id: int, worker: str) -> FileJob | None:
    """Take the job for this worker with a conditional UPDATE: two workers never both win.

    A queued job is claimable, and so is a running one whose heartbeat stopped (its
    worker died; the broker delivered the message again). Raises JobWaiting when the
    owner has no free slot.
    """
    with transaction.atomic():
        waits = _waits_for_a_slot(job_id)
        claimed = 0 if waits else _claim(job_id, worker)
        if waits:
            _mark_waiting(job_id)
    if waits:
        raise JobWaiting(job_id)
    if not claimed:
        return None
    return FileJob.objects.select_related("owner").get(pk=job_id)


def _mark_waiting(job_id: int) -> None:
    """Say why the job waits; its message is consumed, so it is no longer enqueued."""
    job = FileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED)
    with translation.override(job.values_list("language", flat=True).first()):
        job.update(
            enqueued_at=None,
            message=_(
                "Waiting for a free slot: at most %(limit)s of your jobs run at once; "
                "this one starts when an earlier one ends."
            )
            % {"limit": settings.MAX_RUNNING_JOBS_PER_USER},
        )


def _claim(job_id: int, worker: str) -> int:
    now = timezone.now()
    return FileJob.objects.filter(
        Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before()),
        pk=job_id,
    ).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        host=get_ip(),
        worker=worker,
        attempts=F("attempts") + 1,
        message="",
    )


def job_start_waiting(*, owner_id: int) -> int:
    """Send the owner's oldest waiting jobs, as many as they have free slots; how many sent.

    Called when one of their jobs ends: a job that waited for a slot starts as soon as
    one frees up (the sweeper sends every unsent queued job, waiting ones included).
    Jobs whose message is still in the queue are left alone (enqueued_at is set).
    """
    limit = settings.MAX_RUNNING_JOBS_PER_USER
    jobs = FileJob.objects.filter(owner_id=owner_id)
    free = limit - jobs.filter(status=JobStatus.RUNNING).count() if limit else 1
    if free <= 0:
        return 0
    waiting = jobs.filter(status=JobStatus.QUEUED, enqueued_at__isnull=True)
    waiting = waiting.order_by("pk").values_list("pk", flat=True)
    sent = 0
    for job_id in waiting[:free]:
        sent += job_enqueue(job_id=job_id)
    return sent


def job_fail(*, claim: Claim, message: str) -> None:
    """End the claimed job as failed; nothing happens if the claim was lost meanwhile."""
    claim.job_rows().update(status=JobStatus.FAILED, message=message, finished_at=timezone.now())


class JobBusy(Exception):
    """The job is running elsewhere with a live heartbeat: try again once it could be stale."""


class DatabaseUnavailable(Exception):
    """The database went away mid-job; the job stays running and is claimable once stale."""


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


def job_run(*, job_id: int, worker: str = "") -> None:
    """Claim and run one job; every way out leaves it ended or claimable again.

    Raises JobBusy when another worker holds it, DatabaseUnavailable when the database
    went away: the task tries again later in both cases.
    """
    from .exporter import run_export
    from .importer import run_import

    try:
        job = job_claim(job_id=job_id, worker=worker)
    except JobWaiting:
        job_log.info("job {} waits for a free slot of its owner", job_id)
        owner_id = FileJob.objects.filter(pk=job_id).values_list("owner_id", flat=True).first()
        if owner_id is not None:
            job_start_waiting(owner_id=owner_id)  # an older waiting job may have lost its turn
        return
    if job is None:
        if FileJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).exists():
            raise JobBusy(job_id)
        job_log.info("job {} not claimed (ended or cancelled)", job_id)
        return
    job_log.info(
        "job {} {} {} started on {} ({})", job.pk, job.direction, job.kind, job.host, worker
    )
    run = run_import if job.direction == JobDirection.IMPORT else run_export
    claim = Claim.of_job(job)
    with translation.override(job.language), Heartbeat(job.pk, beat=claim.beat):
        try:
            run(job, claim)
        except JobRefused as exc:
            job_log.info("job {} refused: {}", job.pk, exc)
            job_fail(claim=claim, message=str(exc))
        except JobTakenOver as exc:
            job_log.warning(
                "job {} attempt {} rolled back: taken over ({})", job.pk, claim.attempt, exc
            )
        except RunStopped:
            job_log.info("job {} cancelled at a chunk boundary", job.pk)
        except (OperationalError, InterfaceError) as exc:
            job_log.warning("job {} lost the database on {}: {}", job.pk, job.host, exc)
            connection.close()
            raise DatabaseUnavailable(job.pk) from exc
        except Exception:
            job_log.exception("job {} failed on {}", job.pk, job.host)
            job_fail_unexpected(claim=claim)
            raise
        finally:
            start_next_after(job)


def job_fail_unexpected(*, claim: Claim) -> None:
    job_fail(
        claim=claim,
        message=_(
            "The job stopped on an unexpected error; "
            "the administrators have the details in the logs."
        ),
    )


def start_next_after(job: FileJob) -> None:
    """Once the job has ended (whichever way), its owner's next waiting job starts."""
    try:
        if not FileJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exists():
            job_start_waiting(owner_id=job.owner_id)
    except DatabaseError as exc:  # the sweeper starts it instead
        job_log.warning("job {}: next waiting job not started: {}", job.pk, exc)


def job_cancel(*, job: FileJob) -> bool:
    """Cancel a queued or running job; a running import stops at its next chunk boundary."""
    cancelled = FileJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    if cancelled:
        transaction.on_commit(lambda: job_start_waiting(owner_id=job.owner_id))
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


def job_retry(*, job: FileJob) -> bool:
    """Queue a failed job again with the same file and options.

    An import resumes after its last committed chunk: rows already written stay and are
    not written twice. False when the job is not failed (or its upload has expired).
    """
    if job.direction == JobDirection.IMPORT and not job.upload_name:
        return False
    retried = FileJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.QUEUED, message="", finished_at=None, enqueued_at=None
    )
    if retried:
        job_enqueue_on_commit(job)
    return bool(retried)
