"""What the excel_import and excel_export commands share: saying and awaiting a job."""

from django.core.management.base import CommandError

from basic.importer import encoding_note
from basic.jobs import job_wait
from basic.models import FileJob, JobStatus


def report_queued(command, job: FileJob, created: bool) -> None:
    command.stdout.write(f"job {job.pk} {'queued' if created else 'already queued or running'}")


def wait_until_succeeded(command, job: FileJob, timeout: float) -> FileJob:
    """Wait for the job, print its summary; CommandError (exit 1) unless it succeeded."""
    try:
        job = job_wait(job_id=job.pk, timeout=timeout)
    except TimeoutError as exc:
        raise CommandError(str(exc)) from exc
    command.stdout.write(f"job {job.pk} {job.status}: {job.message}")
    if note := encoding_note(job):
        command.stdout.write(note)
    if job.status != JobStatus.SUCCEEDED:
        raise CommandError(f"job {job.pk} {job.status}")
    return job
