"""File jobs: create, enqueue, claim, run, end. The row is the truth, the broker a messenger."""

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from loguru import logger

from utils.get_host_ip import get_ip

from .job_errors import JobCancelled, JobRefused
from .models import FileJob, JobDirection, JobStatus

job_log = logger.bind(concern="file")
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def job_enqueue(*, job_id: int) -> bool:
    """Hand the job to the broker. If the broker is down the job stays queued for the sweeper."""
    from .tasks import run_file_job

    try:
        run_file_job.apply_async(args=[job_id], retry=False)
    except Exception as exc:  # any broker failure: the row keeps the job
        job_log.warning(
            "job {} not enqueued (broker unavailable, sweeper will retry): {}", job_id, exc
        )
        job = FileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED)
        with translation.override(job.values_list("language", flat=True).first()):
            job.update(
                message=_("Waiting for the queue: the job will start as soon as it is reachable.")
            )
        return False
    FileJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    return True


def job_enqueue_on_commit(job: FileJob) -> None:
    transaction.on_commit(lambda: job_enqueue(job_id=job.pk))


def stale_before():
    return timezone.now() - timedelta(minutes=settings.JOB_STALE_MINUTES)


def job_claim(*, job_id: int, worker: str) -> FileJob | None:
    """Take the job for this worker with a conditional UPDATE: two workers never both win.

    A queued job is claimable, and so is a running one whose heartbeat stopped (its
    worker died; the broker delivered the message again).
    """
    now = timezone.now()
    claimed = FileJob.objects.filter(
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
    if not claimed:
        return None
    return FileJob.objects.select_related("owner").get(pk=job_id)


def job_fail(*, job_id: int, message: str) -> None:
    FileJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, message=message, finished_at=timezone.now()
    )


class JobBusy(Exception):
    """The job is running elsewhere with a live heartbeat: try again once it could be stale."""


class DatabaseUnavailable(Exception):
    """The database went away mid-job; the job stays running and is claimable once stale."""


class Heartbeat:
    """Beats for a running job from a thread, so a long chunk never looks like a dead worker."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                alive = FileJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
                if not alive:
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

    job = job_claim(job_id=job_id, worker=worker)
    if job is None:
        if FileJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).exists():
            raise JobBusy(job_id)
        job_log.info("job {} not claimed (ended or cancelled)", job_id)
        return
    job_log.info(
        "job {} {} {} started on {} ({})", job.pk, job.direction, job.kind, job.host, worker
    )
    run = run_import if job.direction == JobDirection.IMPORT else run_export
    with translation.override(job.language), Heartbeat(job.pk):
        try:
            run(job)
        except JobRefused as exc:
            job_log.info("job {} refused: {}", job.pk, exc)
            job_fail(job_id=job.pk, message=str(exc))
        except JobCancelled:
            job_log.info("job {} cancelled at a chunk boundary", job.pk)
        except (OperationalError, InterfaceError) as exc:
            job_log.warning("job {} lost the database on {}: {}", job.pk, job.host, exc)
            connection.close()
            raise DatabaseUnavailable(job.pk) from exc
        except Exception:
            job_log.exception("job {} failed on {}", job.pk, job.host)
            job_fail(
                job_id=job.pk,
                message=_(
                    "The job stopped on an unexpected error; "
                    "the administrators have the details in the logs."
                ),
            )
            raise


def job_cancel(*, job: FileJob) -> bool:
    """Cancel a queued or running job; a running import stops at its next chunk boundary."""
    return bool(
        FileJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now()
        )
    )


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
