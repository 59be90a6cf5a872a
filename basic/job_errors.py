class JobRefused(Exception):
    """The job's input cannot be used (unreadable file, bad filters): the message says why."""


class JobCancelled(Exception):
    """The owner cancelled the job; raised at a chunk boundary to stop and roll back."""
