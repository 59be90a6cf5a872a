"""File jobs: create, enqueue, claim, run, end. The row is the truth, the broker a messenger."""

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from loguru import logger

from .claims import Claim
from .error_report import report_of_cancelled
from .faults import database_full_message, is_database_full, is_storage_fault, storage_full_message
from .host import host_ip
from .job_errors import JobRefused, JobTakenOver, RunStopped
from .models import FileJob, JobDirection, JobStatus

job_log = logger.bind(concern="file")
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def job_queue(direction: str) -> str:
    """The Celery queue for jobs of this direction (imports, exports)."""
    return settings.JOB_QUEUES.get(direction, settings.CELERY_TASK_DEFAULT_QUEUE)


def job_enqueue(*, job_id: int, again: bool = False) -> bool:
    """Hand the job to the broker. If the broker is down the job stays queued for the sweeper.

    ``again``: its earlier message was lost; the lock celery_once keeps while a message
    is in the queue is dropped first, or this send would be taken for a duplicate.
    """
    from .tasks import run_file_job

    direction = FileJob.objects.filter(pk=job_id).values_list("direction", flat=True).first()
    # Stamped before sending: a worker may take the message and mark the job waiting for
    # a slot (enqueued_at cleared) before this process would get to stamp it afterwards.
    sent_at = timezone.now()
    FileJob.objects.filter(pk=job_id).update(enqueued_at=sent_at)
    try:
        if again:
            run_file_job.forget_sent(job_id)
        run_file_job.apply_async(
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


def stale_before():
    return timezone.now() - timedelta(minutes=settings.JOB_STALE_MINUTES)


# A job (or part) is run at most this many times by the workers on their own: one whose
# worker died this often (killed at its memory cap or time limit, or by anything else)
# is failed instead of being given to the next worker it would kill too.
MAX_ATTEMPTS = 2


def lost_its_worker(**more) -> Q:
    """Running jobs whose heartbeat stopped: their worker died (or froze). A split job
    with parts to run is not one of them: it lives in its parts, its own heartbeat
    stops while they wait in the queue."""
    return Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before(), **more) & (
        Q(parts_left__isnull=True) | Q(parts_left=0)
    )


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


def _fail_if_it_stopped_its_workers(job_id: int) -> bool:
    """A message of a job whose worker died MAX_ATTEMPTS times came back (the broker
    redelivers what a dead worker held): the job is failed, not run again."""
    stopped = FileJob.objects.filter(lost_its_worker(attempts__gte=MAX_ATTEMPTS), pk=job_id)
    attempts = stopped.values_list("attempts", flat=True).first()
    return attempts is not None and job_fail_worker_lost(job=stopped, attempts=attempts)


class JobWaiting(Exception):
    """The job must wait (see ``_why_wait``); it stays queued, its message consumed."""

    def __init__(self, job_id: int, behind: int | None):
        super().__init__(job_id)
        self.behind = behind  # the earlier job it waits for, if it waits for its turn


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


def job_claim(*, job_id: int, worker: str) -> FileJob | None:
    """Take the job for this worker with a conditional UPDATE: two workers never both win.

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
            claimed = _claim(job_id, worker)
    if waits:
        raise JobWaiting(job_id, behind)
    if not claimed:
        return None
    return FileJob.objects.select_related("owner").get(pk=job_id)


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


def _claim(job_id: int, worker: str) -> int:
    now = timezone.now()
    return FileJob.objects.filter(
        Q(status=JobStatus.QUEUED) | lost_its_worker(attempts__lt=MAX_ATTEMPTS),
        pk=job_id,
    ).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        host=host_ip(),
        worker=worker,
        attempts=F("attempts") + 1,
        message="",
    )


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


def job_fail(*, claim: Claim, message: str, input_refused: bool = False) -> None:
    """End the claimed job as failed; nothing happens if the claim was lost meanwhile.

    `input_refused`: its file or request was refused, so a retry cannot help."""
    claim.job_rows().update(
        status=JobStatus.FAILED,
        message=message,
        input_refused=input_refused,
        finished_at=timezone.now(),
    )


class JobBusy(Exception):
    """The job is running elsewhere with a live heartbeat: try again once it could be stale."""


CLAIM_RETRY_SECONDS = 10


class DatabaseUnavailable(Exception):
    """The database went away mid-job (the job stays running and is claimable once stale),
    or was too busy to claim it: the task tries again in ``retry_in`` seconds."""

    def __init__(self, job_id: int, retry_in: float | None = None):
        super().__init__(job_id)
        self.retry_in = retry_in or settings.JOB_STALE_MINUTES * 60 + 5


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
    except JobWaiting as waiting:
        job_log.info("job {} waits (for job {} or a free slot)", job_id, waiting.behind)
        if waiting.behind is not None:  # an earlier job waiting for a slot goes first
            owner_id = FileJob.objects.filter(pk=job_id).values_list("owner_id", flat=True).get()
            job_start_waiting(owner_id=owner_id, before=job_id)
        return
    except OperationalError as exc:  # SQLite: a writer holds the lock past its timeout
        job_log.warning("job {} not claimed, the database is busy; trying again: {}", job_id, exc)
        connection.close()
        raise DatabaseUnavailable(job_id, retry_in=CLAIM_RETRY_SECONDS) from exc
    if job is None:
        if _fail_if_it_stopped_its_workers(job_id):
            job_log.warning("job {} failed: its worker died {} times", job_id, MAX_ATTEMPTS)
            return
        if FileJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).exists():
            raise JobBusy(job_id)
        job_log.info("job {} not claimed (ended or cancelled)", job_id)
        return
    job_log.info(
        "job {} {} {} started on {} ({})", job.pk, job.direction, job.kind, job.host, worker
    )
    job_start_waiting(owner_id=job.owner_id)  # its later jobs may have waited for its turn
    run = run_import if job.direction == JobDirection.IMPORT else run_export
    claim = Claim.of_job(job)
    run_guarded(job=job, claim=claim, label=f"job {job.pk}", body=lambda: run(job, claim))


DATABASE_FULL_TRIES = 3
DATABASE_FULL_WAIT_SECONDS = 10.0


def run_guarded(*, job: FileJob, claim: Claim, label: str, body: Callable[[], None]) -> None:
    """Run ``body`` for a claimed job or part with the one failure sequence of every run.

    Refused input fails the job with its reason; a cancelled or taken-over run is rolled
    back and logged; a full database is tried again a few times (an import resumes after
    its last committed chunk), then fails the job, as a full or unreachable file storage
    does at once, in the user's words; a lost database raises DatabaseUnavailable (the
    task comes back later); anything else fails the job and is raised. Whichever way it
    ends, the owner's next waiting job may start.
    """
    with translation.override(job.language), Heartbeat(job.pk, beat=claim.beat):
        try:
            _tried_while_database_full(body, job, label)
        except JobRefused as exc:
            job_log.info("{} refused: {}", label, exc)
            job_fail(claim=claim, message=str(exc), input_refused=True)
        except JobTakenOver as exc:
            job_log.warning("{} rolled back: taken over ({})", label, exc)
        except RunStopped:
            job_log.info("{} rolled back: cancelled", label)
            try:
                report_of_cancelled(job.pk)
            except Exception:  # the cancel stands; only its report is missing
                job_log.exception("{}: no error report of the cancelled run", label)
        except (OperationalError, InterfaceError) as exc:
            if is_database_full(exc):
                job_log.error("{} stopped: the database is full: {}", label, exc)
                job_fail(claim=claim, message=database_full_message())
                return
            job_log.warning("{} lost the database on {}: {}", label, host_ip(), exc)
            connection.close()
            raise DatabaseUnavailable(job.pk) from exc
        except Exception as exc:
            if is_storage_fault(exc):
                job_log.error("{} stopped: storage full or unavailable: {}", label, exc)
                job_fail(claim=claim, message=storage_full_message(exc))
                return
            job_log.exception("{} failed on {}", label, host_ip())
            job_fail_unexpected(claim=claim)
            raise
        finally:
            start_next_after(job)


def _tried_while_database_full(body: Callable[[], None], job: FileJob, label: str) -> None:
    for attempt in range(1, DATABASE_FULL_TRIES + 1):
        try:
            body()
            return
        except OperationalError as exc:
            if attempt == DATABASE_FULL_TRIES or not is_database_full(exc):
                raise
            job_log.warning("{}: the database is full (try {}): {}", label, attempt, exc)
        time.sleep(DATABASE_FULL_WAIT_SECONDS * attempt)
        job.refresh_from_db()  # where an import resumes


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
    """Cancel a queued or running job; a running import stops within
    IMPORT_CANCEL_CHECK_ROWS rows read, and the part files of a split import go."""
    from .import_parts import parts_payloads_delete

    cancelled = FileJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    if cancelled:
        transaction.on_commit(lambda: job_start_waiting(owner_id=job.owner_id))
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
        job_enqueue_on_commit(job)
    return bool(retried)
