"""The driver's side of the processes: environments, Django-side commands, the worker."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.django_side import MARK
from bench.measure import PeakMemory, cpu_seconds, database_server_pids, tree_pids

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")


class BenchError(RuntimeError):
    """A bench step failed: its command, exit code and the end of its output."""


@dataclass
class Database:
    """One database the bench runs on, with its own var/, files/ and logs/ folders."""

    name: str  # "sqlite" or "mariadb"
    url: str
    root: Path
    version: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return self.root / "var" / "oms.sqlite3"

    @property
    def template(self) -> Path:
        return self.root / "template.sqlite3"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "oms_test.settings",
                "OMS_VAR_DIR": str(self.root / "var"),
                "OMS_FILES_ROOT": str(self.root / "files"),
                "OMS_LOG_DIR": str(self.root / "logs"),
                "OMS_DATABASE_URL": self.url,
                # as in production (DEBUG keeps every query); plain HTTP on loopback
                "OMS_DEBUG": "0",
                "OMS_SECURE_SSL_REDIRECT": "0",
                "OMS_SECURE_COOKIES": "0",
                "PYTHONPATH": str(BASE_DIR),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env


def parse_result(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise ValueError("no result line")


def _failure(args: list[str], code: int | None, output: str) -> BenchError:
    tail = "\n".join(output.strip().splitlines()[-25:])
    return BenchError(f"{' '.join(args)} exited with {code}:\n{tail}")


def django_run(db: Database, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """``python -m bench.<args>`` in a fresh process; its result line as a dict."""
    command = [PYTHON, "-m", *args]
    done = subprocess.run(
        command, cwd=BASE_DIR, env=db.env(), capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise _failure(command, done.returncode, done.stdout + done.stderr)
    return parse_result(done.stdout)


def measured_run(db: Database, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Like :func:`django_run`, with the process's peak RSS polled from outside (and its
    own high-water mark, which catches what falls between two polls)."""
    command = [PYTHON, "-m", *args]
    log = db.root / "logs" / "bench-process.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        proc = subprocess.Popen(command, cwd=BASE_DIR, env=db.env(), stdout=subprocess.PIPE,
                                stderr=output, text=True)  # fmt: skip
        with PeakMemory(proc.pid) as peak:
            stdout, _ = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise _failure(command, proc.returncode, stdout + log.read_text())
    result = parse_result(stdout)
    result["peak_mb"] = max(peak.peak_rss_mb, result.get("self_peak_mb", 0.0))
    return result


def sqlite_snapshot(source: Path, target: Path) -> None:
    """Copy a SQLite database file consistently (WAL checkpointed first)."""
    with sqlite3.connect(source) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.write_bytes(source.read_bytes())


def reset(db: Database) -> None:
    """Back to the seeded state: a copy of the template (SQLite) or emptied tables."""
    if db.is_sqlite:
        sqlite_snapshot(db.template, db.sqlite_path)
    else:
        django_run(db, "bench.dbtool", "reset")


class Worker:
    """``celery -A oms_test worker -l info --concurrency N``: a real worker, one per run."""

    def __init__(self, db: Database, concurrency: int = 1, **env: str) -> None:
        self.log_path = db.root / "logs" / "bench-worker.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        command = [CELERY, "-A", "oms_test", "worker", "-l", "info",
                   "--concurrency", str(concurrency), "--hostname", "bench@%h"]  # fmt: skip
        self.proc = subprocess.Popen(
            command, cwd=BASE_DIR, env=db.env(**env), stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                raise BenchError(f"worker exited with {self.proc.returncode}: {self.tail()}")
            time.sleep(0.05)
        raise BenchError(f"worker not ready after {timeout}s: {self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-25:])

    def stop(self) -> None:
        """Cold shutdown (SIGQUIT): the job has ended, nothing is left to finish."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def worker_job(
    db: Database, *client_args: str, timeout: float = 1800, concurrency: int = 1, **env: str
) -> dict[str, Any]:
    """Start a worker, let it settle, run one job through it; the job's numbers, memory,
    and the CPU seconds the worker processes and the local database server used.

    A job still running after ``timeout`` seconds is cancelled: its result says "timeout"
    and counts the rows done by then.
    """
    with Worker(db, concurrency, **env) as worker:
        worker.wait_ready()
        time.sleep(0.3)
        with PeakMemory(worker.pid) as peak:
            time.sleep(0.1)
            peak.reset()
            idle_mb, idle_rss_mb = peak.peak_mb, peak.peak_rss_mb
            server = [] if db.is_sqlite else database_server_pids()
            cpu_before = cpu_seconds(tree_pids(worker.pid)), cpu_seconds(server)
            client = ("bench.client", *client_args, "--timeout", str(timeout))
            result = django_run(db, *client, timeout=timeout + 120)
            cpu_after = cpu_seconds(tree_pids(worker.pid)), cpu_seconds(server)
    if result["status"] not in ("succeeded", "timeout"):
        raise BenchError(f"job {result['job']} {result['status']}: {result['message']}")
    result.update(
        peak_mb=peak.peak_mb,
        idle_mb=idle_mb,
        peak_rss_mb=peak.peak_rss_mb,
        idle_rss_mb=idle_rss_mb,
        worker_cpu=cpu_after[0] - cpu_before[0],
        database_cpu=cpu_after[1] - cpu_before[1],
    )
    return result
