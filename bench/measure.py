"""Peak memory of a process tree (polling /proc) and small statistics helpers.

Memory is the tree's proportional set size (PSS): a page shared by n processes counts
1/n in each, so pages a prefork pool child shares with the Celery main process (the
code and data loaded before the fork) count once. The sum of the RSS of the processes
counts them twice; it is kept alongside (``peak_rss_mb``).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
POLL_SECONDS = 0.1


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/PID/task/*/children)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                found.extend(int(p) for p in (task / "children").read_text().split())
            except OSError:
                continue
    except OSError:
        return []
    return found


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


def rss_kb(pid: int) -> int:
    """Resident set size of one process in KiB (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * PAGE_KB


def pss_kb(pid: int) -> int:
    """Proportional set size of one process in KiB (0 if it is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) summed over ``pid`` and its descendants."""
    pids = tree_pids(pid)
    return sum(pss_kb(p) for p in pids), sum(rss_kb(p) for p in pids)


class PeakMemory:
    """Polls the memory of a process tree every 0.1 s in a thread; ``peak_mb`` is the
    highest PSS sum seen, ``peak_rss_mb`` the highest RSS sum.

    ``reset()`` starts a new measurement (e.g. after the worker became idle), so that the
    idle size and the peak of one job are told apart.
    """

    def __init__(self, pid: int, interval: float = POLL_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.peak_rss_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _sample(self) -> None:
        pss, rss = tree_memory_kb(self.pid)
        self.peak_kb = max(self.peak_kb, pss)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def reset(self) -> None:
        self.peak_kb, self.peak_rss_kb = tree_memory_kb(self.pid)

    def stop(self) -> None:
        if not self._stop.is_set():
            self._sample()
            self._stop.set()
            self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_kb / 1024


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes used so far, with their reaped children."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) "
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def database_server_pids() -> list[int]:
    """The local MariaDB/MySQL server's processes (empty when there is none here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name in ("mariadbd", "mysqld"):
                found.append(int(entry.name))
    return found


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds``."""

    def __init__(self) -> None:
        self.started = 0.0
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
