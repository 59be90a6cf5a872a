"""The embedded broker under load: several processes publish at full speed while real
workers consume; every message must run exactly once and no worker may exit."""

import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import BASE_DIR, WorkerProcess, process_env_for

pytestmark = pytest.mark.integration

PRODUCERS = 4
MESSAGES_PER_PRODUCER = 500
PUBLISH = """
import sys, django
django.setup()
from oms_test.celery import app
start, count, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
padding = "x" * int(sys.argv[4])
for number in range(start, start + count):
    app.send_task("tests.broker.record_run", args=[number, log_path, padding], queue="default")
"""
# Bytes of padding per message: writing a bigger file takes longer, which widens the window
# in which a consumer can meet a message that is not yet whole.
PADDING = 64 * 1024
LOWEST_PRIORITY = ("nice", "-n", "19")


def publish_and_consume(root: Path, workers: int, settings_module: str) -> dict:
    """PRODUCERS processes publish at once to ``workers`` workers of two pool processes
    each; what ran, how often, and what the workers and the queue folder show after."""
    env = process_env_for(root, DJANGO_SETTINGS_MODULE=settings_module)
    log_path = root / "runs.log"
    log_path.touch()
    started = [
        WorkerProcess(
            env,
            "--concurrency",
            "2",
            "--include",
            "tests.broker.stress_tasks",
            "--hostname",
            f"stress{n}@%h",
        )
        for n in range(workers)
    ]
    try:
        for worker in started:
            worker.wait_ready()
        rest = [str(MESSAGES_PER_PRODUCER), str(log_path), str(PADDING)]
        with busy_machine():
            producers = [
                subprocess.Popen(
                    [*LOWEST_PRIORITY, sys.executable, "-c", PUBLISH, str(first), *rest],
                    cwd=BASE_DIR,
                    env=env,
                )
                for first in range(0, PRODUCERS * MESSAGES_PER_PRODUCER, MESSAGES_PER_PRODUCER)
            ]
            for producer in producers:
                # nice 19 beside busy loops (and a busy CI machine): slow, not stuck
                assert producer.wait(timeout=900) == 0, "a producer could not publish"
        wait_until_quiet(log_path, PRODUCERS * MESSAGES_PER_PRODUCER, started)
        exited = [w.text for w in started if w.proc.poll() is not None]
    finally:
        for worker in started:
            worker.stop()
    runs = Counter(int(line) for line in log_path.read_text().split())
    broker = root / "var" / "broker"
    return {
        "lost": set(range(PRODUCERS * MESSAGES_PER_PRODUCER)) - set(runs),
        "twice": {n for n, count in runs.items() if count > 1},
        "exited": exited,
        "left": [p.name for p in broker.rglob("*.msg")],
    }


@contextmanager
def busy_machine():
    """Two busy loops beside producers of the lowest priority, as on a loaded machine: a
    producer is then often paused in the middle of writing a message."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def wait_until_quiet(log_path: Path, expected: int, workers, idle_seconds: float = 30) -> None:
    """Until every message ran, every worker exited, or nothing ran for ``idle_seconds``."""
    last_size, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < idle_seconds:
        size = log_path.stat().st_size
        if size != last_size:
            last_size, last_change = size, time.monotonic()
        if len(log_path.read_text().split()) >= expected:
            time.sleep(1)  # a message delivered twice would run now
            return
        if all(w.proc.poll() is not None for w in workers):
            return
        time.sleep(0.2)


@pytest.mark.parametrize("workers", [1, 2])
def test_every_message_runs_exactly_once_and_no_worker_exits(tmp_path, workers):
    outcome = publish_and_consume(tmp_path, workers, "oms_test.settings")

    assert outcome["lost"] == set()
    assert outcome["twice"] == set()
    assert outcome["exited"] == []
    assert outcome["left"] == []


@pytest.mark.upstream_race
def test_kombus_own_filesystem_transport_loses_messages(tmp_path):
    """Why utils/filesystem_broker.py exists: run with ``pytest -m upstream_race``."""
    outcome = publish_and_consume(tmp_path, 2, "tests.broker.kombu_filesystem_settings")

    assert outcome["lost"] or outcome["exited"], "kombu#1551 did not show this time"
