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
