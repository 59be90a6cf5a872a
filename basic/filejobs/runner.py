"""Running a claimed job or part: the one failure sequence every run goes through.

``job_run`` and ``part_run`` (what the tasks call) claim, then hand the pipeline step to
``run_guarded``; whatever the step raises ends the job, leaves it claimable again, or
sends the task back to try later, and the owner's next waiting job starts.
"""

import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.utils import translation
from loguru import logger

from basic.filejobs import dispatch
from basic.filejobs.claims import MAX_ATTEMPTS, Claim
from basic.filejobs.errors import (
    DatabaseUnavailable,
    JobBusy,
    JobRefused,
    JobTakenOver,
    JobWaiting,
    RunStopped,
)
from basic.filejobs.faults import (
    database_full_message,
    is_database_full,
    is_storage_fault,
    storage_full_message,
)
from basic.filejobs.host import host_ip
from basic.filejobs.lifecycle import (
    Heartbeat,
    job_claim,
    job_fail,
    job_fail_if_it_stopped_its_workers,
    job_fail_unexpected,
    job_start_next,
    part_claim,
)
from basic.filejobs.models import FileJob, JobDirection, JobStatus
from basic.filejobs.pipeline import export, import_job, parts
from basic.filejobs.pipeline.error_report import report_of_cancelled

job_log = logger.bind(concern="file")
CLAIM_RETRY_SECONDS = 10
DATABASE_FULL_TRIES = 3
DATABASE_FULL_WAIT_SECONDS = 10.0


def job_run(*, job_id: int, worker: str = "") -> None:
    """Claim and run one job; every way out leaves it ended or claimable again.

    Raises JobBusy when another worker holds it, DatabaseUnavailable when the database
    went away: the task tries again later in both cases.
    """
    try:
        job = job_claim(job_id=job_id, worker=worker)
    except JobWaiting as waiting:
        job_log.info("job {} waits (for job {} or a free slot)", job_id, waiting.behind)
        if waiting.behind is not None:  # an earlier job waiting for a slot goes first
            owner_id = FileJob.objects.filter(pk=job_id).values_list("owner_id", flat=True).get()
            dispatch.job_start_waiting(owner_id=owner_id, before=job_id)
        return
    except OperationalError as exc:  # SQLite: a writer holds the lock past its timeout
        job_log.warning("job {} not claimed, the database is busy; trying again: {}", job_id, exc)
        connection.close()
        raise DatabaseUnavailable(job_id, retry_in=CLAIM_RETRY_SECONDS) from exc
    if job is None:
        if job_fail_if_it_stopped_its_workers(job_id):
            job_log.warning("job {} failed: its worker died {} times", job_id, MAX_ATTEMPTS)
            return
        if FileJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).exists():
            raise JobBusy(job_id)
        job_log.info("job {} not claimed (ended or cancelled)", job_id)
        return
    job_log.info(
        "job {} {} {} started on {} ({})", job.pk, job.direction, job.kind, job.host, worker
    )
    dispatch.job_start_waiting(owner_id=job.owner_id)  # its later jobs may have waited
    claim = Claim.of_job(job)

    def body() -> None:
        if job.direction != JobDirection.IMPORT:
            export.export_run(job, claim)
        elif import_job.import_run(job, claim):  # split: its parts run as tasks of their own
            dispatch.parts_send(job.pk)

    run_guarded(job=job, claim=claim, label=f"job {job.pk}", body=body)


def part_run(*, part_id: int, worker: str = "") -> None:
    """Claim and run one part of a split import; the last part to commit ends the job.

    Raises DatabaseUnavailable when the database went away: the task tries again later,
    and the part, still running with a stopped heartbeat, is claimable then.
    """
    if not FileJob.objects.filter(parts=part_id, status=JobStatus.RUNNING).exists():
        job_log.info("part {} not run: its job has ended", part_id)
        return
    try:
        part = part_claim(part_id=part_id, worker=worker)
    except OperationalError as exc:  # SQLite: a writer holds the lock past its timeout
        job_log.warning("part {} not claimed, the database is busy; trying again: {}", part_id, exc)
        connection.close()
        raise DatabaseUnavailable(part_id, retry_in=CLAIM_RETRY_SECONDS) from exc
    if part is None:
        job_log.info("part {} not claimed (done, or running elsewhere)", part_id)
        return
    job = part.job
    claim = Claim.of_part(part)

    def body() -> None:
        if parts.part_process(part, job, claim):
            parts.parts_finish(job, claim.of_its_job())
        else:
            dispatch.parts_send(job.pk)

    run_guarded(job=job, claim=claim, label=f"job {job.pk} part {part.number}", body=body)


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
            job_start_next(job)


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
