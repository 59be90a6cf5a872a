"""Every exception of the file-job engine, and what each one means for the job."""

from django.conf import settings


class RequestRefused(Exception):
    """A job request refused before any job exists; ``status`` is the HTTP status to answer.

    ``retry_after``: seconds after which the same request may succeed (sent as Retry-After).
    """

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after = retry_after


class JobRefused(Exception):
    """The job's input cannot be used (unreadable file, bad filters): the message says why."""


class RunStopped(Exception):
    """This run may write no more: raised at its next write, rolling that write back."""


class JobCancelled(RunStopped):
    """The owner cancelled the job (or it ended otherwise)."""


class JobTakenOver(RunStopped):
    """Another worker claimed the job (or part) after this one looked dead: this run's
    worker was frozen or cut off longer than the stale time, and has woken up."""


class JobWaiting(Exception):
    """The job must wait for a slot or its turn; it stays queued, its message consumed."""

    def __init__(self, job_id: int, behind: int | None):
        super().__init__(job_id)
        self.behind = behind  # the earlier job it waits for, if it waits for its turn


class JobBusy(Exception):
    """The job is running elsewhere with a live heartbeat: try again once it could be stale."""


class DatabaseUnavailable(Exception):
    """The database went away mid-job (the job stays running and is claimable once stale),
    or was too busy to claim it: the task tries again in ``retry_in`` seconds."""

    def __init__(self, job_id: int, retry_in: float | None = None):
        super().__init__(job_id)
        self.retry_in = retry_in or settings.JOB_STALE_MINUTES * 60 + 5


class StorageUnavailable(OSError):
    """The job storage could not store a file (a full disk, an unreachable bucket)."""


class CronJobFailed(Exception):
    """A crontab line's job raised: ``crontab run`` exits non-zero so cron reports it."""
