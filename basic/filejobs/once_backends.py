"""celery_once's file backend, fixed for tasks that run without holding a lock.

celery_once 3.0.1's File backend removes the lock file with ``os.remove`` and raises
FileNotFoundError when it is not there, which happens to every retried task (retries
are sent without taking the lock) and to a second message of the same job: with
``unlock_before_run`` the task then fails before it starts. The Redis backend deletes
a missing key quietly; this does the same.
"""

import contextlib

from celery_once.backends.file import File as CeleryOnceFile


class File(CeleryOnceFile):
    def clear_lock(self, key):
        with contextlib.suppress(FileNotFoundError):
            super().clear_lock(key)
