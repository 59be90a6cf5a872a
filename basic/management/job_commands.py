"""What the excel_import and excel_export commands share: saying and awaiting a job."""

from django.core.management.base import CommandError

from basic.filejobs.lifecycle import job_wait
from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.pipeline.imports import encoding_note


def report_queued(command, job: FileJob, created: bool) -> None:
    command.stdout.write(f"job {job.pk} {'queued' if created else 'already queued or running'}")


# The exit code of an import that finished but rejected rows (1: failed, cancelled,
# refused or timed out; 2: wrong arguments).
EXIT_ROWS_REJECTED = 3


def wait_until_succeeded(
    command, job: FileJob, timeout: float, *, allow_rejected: bool = True
) -> FileJob:
    """Wait for the job, print its summary; CommandError (exit 1) unless it succeeded,
    exit EXIT_ROWS_REJECTED if it rejected rows and `allow_rejected` is false."""
    try:
        job = job_wait(job_id=job.pk, timeout=timeout)
    except TimeoutError as exc:
        raise CommandError(str(exc)) from exc
    command.stdout.write(f"job {job.pk} {job.status}: {job.message}")
    if note := encoding_note(job):
        command.stdout.write(note)
    if job.status != JobStatus.SUCCEEDED:
        raise CommandError(f"job {job.pk} {job.status}")
    if job.outcome == "partial" and not allow_rejected:
        raise CommandError(
            f"job {job.pk} finished with {job.failed} rows rejected "
            f"(the error report: /api/jobs/{job.pk}/error-report)",
            returncode=EXIT_ROWS_REJECTED,
        )
    return job
