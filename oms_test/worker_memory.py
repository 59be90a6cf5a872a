"""A hard cap on the memory of each pool process of a worker (OMS_WORKER_MAX_MEMORY_MB).

Celery's ``worker_max_memory_per_child`` replaces a pool process only once its task has
ended: a task that keeps growing (a hostile file) would run on until the machine's OOM
killer picks a victim, perhaps the database. So the worker's main process, which runs
no task and so is never the one that grows, reads its pool processes' resident memory
every second and kills (SIGKILL) one that is past the cap, as the OOM killer would, but
only that one; the pool starts a fresh one. Its job's heartbeat stops: the sweeper
gives the job to another worker once, and fails it if it stops that one too
(``basic.filejobs.claims.MAX_ATTEMPTS``).

For the prefork pool (the default) on Linux (``/proc``); elsewhere nothing is enforced
and the cap is only Celery's.
"""

import os
import signal
import threading
from contextlib import suppress

from celery import bootsteps
from celery.worker import state
from loguru import logger

CHECK_SECONDS = 1.0
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def resident_kb(pid: int) -> int | None:
    """The resident memory of a process, in KB; None when it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return None


def _pool_pids(pool) -> list[int]:
    processes = getattr(getattr(pool, "_pool", None), "_pool", None) or []
    return [process.pid for process in list(processes) if process.pid]


def _running_on(pid: int) -> str:
    """The task a pool process runs, for the log line."""
    with suppress(RuntimeError):  # the set changed while it was read: only a log line
        for request in list(state.active_requests):
            if request.worker_pid == pid:
                return f"{request.task_name}{tuple(request.args)}"
    return "no task"


class MemoryCap(bootsteps.StartStopStep):
    """Kills a pool process past WORKER_MAX_MEMORY_MB, from a thread of the main process."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker, **kwargs):
        from django.conf import settings

        super().__init__(worker, **kwargs)
        self.limit_kb = settings.WORKER_MAX_MEMORY_MB * 1024
        self.stopped = threading.Event()

    def start(self, worker) -> None:
        if not self.limit_kb or not os.path.exists("/proc/self/statm"):
            return
        threading.Thread(
            target=self._watch, args=(worker.pool,), name="memory-cap", daemon=True
        ).start()

    def stop(self, worker) -> None:
        self.stopped.set()

    def _watch(self, pool) -> None:
        while not self.stopped.wait(CHECK_SECONDS):
            for pid in _pool_pids(pool):
                used = resident_kb(pid)
                if used is None or used <= self.limit_kb:
                    continue
                logger.error(
                    "pool process {} ({}) uses {} MB, past the cap of {} MB "
                    "(OMS_WORKER_MAX_MEMORY_MB): killed",
                    pid,
                    _running_on(pid),
                    used // 1024,
                    self.limit_kb // 1024,
                )
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
