"""A worker frozen past the stale time (SIGSTOP) wakes up (SIGCONT) after another worker
took its job over: it must write nothing more. The job ends exactly as an uninterrupted
run of the same file: rows, counters and error report.

Real worker processes on Redis; the beat's sweeper re-queues the frozen worker's job.
"""

import os
import signal
import time

import pytest

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.runner import job_run
from store.models import Order
from tests.job_helpers import SKUS, import_outcome, job_id_from, stored_import, wait_for
from tests.order_files import interleaved, order_sheet, write_xlsx
from tests.processes import BeatProcess, WorkerProcess, manage

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

LINES = 16_000


@pytest.fixture
def env(redis_env):
    """Stale after 30 s: the live worker must never look dead on a loaded machine (with
    15 s, a chunk of far-apart order lines on a busy MariaDB outlasted it)."""
    return {**redis_env, "OMS_JOB_STALE_MINUTES": "0.5"}


@pytest.fixture
def beat(env):
    process = BeatProcess(env)
    process.wait_ready()
    yield process
    process.stop()


def _signal(worker: WorkerProcess, sig: int) -> None:
    os.killpg(worker.proc.pid, sig)  # the main process and its pool child


def _processed_changes(job_id: int, after: int, deadline: float) -> int:
    """Wait until the job commits a chunk beyond ``after`` rows; the new count."""
    while True:
        processed = FileJob.objects.filter(pk=job_id).values_list("processed", flat=True).get()
        if processed > after:
            return processed
        assert time.monotonic() < deadline, f"job {job_id} stopped at {processed} rows"
        time.sleep(0.005)


def _freeze_until_taken_over(worker: WorkerProcess, job_id: int, stale_seconds: float) -> int:
    """Freeze the worker right after one of its commits, until another worker claims the
    job; returns the rows committed when it froze.

    On SQLite a worker frozen inside a write transaction holds the database's lock and
    nobody can claim anything: then let it run to its next commit and freeze it again.
    """
    deadline = time.monotonic() + 300
    processed = _processed_changes(job_id, 4_000, deadline)
    while True:
        _signal(worker, signal.SIGSTOP)
        wait_until = time.monotonic() + stale_seconds + 30
        while time.monotonic() < wait_until:
            if FileJob.objects.get(pk=job_id).attempts >= 2:
                return processed
            time.sleep(0.1)
        _signal(worker, signal.SIGCONT)
        processed = _processed_changes(job_id, processed, deadline)


@pytest.mark.parametrize("layout", ["adjacent", "interleaved"])
def test_a_frozen_worker_that_wakes_up_after_a_takeover_writes_nothing(
    operator, env, beat, tmp_path, layout
):
    sheet = order_sheet(
        LINES, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=40
    )
    rows = interleaved(sheet.rows) if layout == "interleaved" else sheet.rows
    path = write_xlsx(tmp_path / f"{layout}.xlsx", rows)
    reference = stored_import(operator, path, language="zh-hans")  # as excel_import
    job_run(job_id=reference.pk, worker="reference")
    expected = import_outcome(FileJob.objects.get(pk=reference.pk))
    Order.objects.all().delete()

    workers = {
        name: WorkerProcess(env, "--concurrency", "1", "--hostname", f"{name}@%h")
        for name in ("one", "two")
    }
    try:
        for worker in workers.values():
            worker.wait_ready()
        queued = manage("excel_import", "order", str(path), "--user", operator.username, env=env)
        job_id = job_id_from(queued.stdout)
        _processed_changes(job_id, 0, time.monotonic() + 300)
        first_name = FileJob.objects.get(pk=job_id).worker.split("@")[0]
        frozen = workers[first_name]
        stale_seconds = float(env["OMS_JOB_STALE_MINUTES"]) * 60
        froze_at = _freeze_until_taken_over(frozen, job_id, stale_seconds)
        # the other worker commits at least one chunk of its own before the first wakes
        _processed_changes(job_id, froze_at, time.monotonic() + 300)
        _signal(frozen, signal.SIGCONT)

        job = wait_for(job_id, timeout=600)
        deadline = time.monotonic() + 120
        while "taken over" not in frozen.text:
            assert time.monotonic() < deadline, "the woken worker did not stop:\n" + frozen.text
            time.sleep(0.2)
    finally:
        for worker in workers.values():
            _signal(worker, signal.SIGCONT)
            worker.stop()

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.attempts == 2 and not job.worker.startswith(first_name)
    assert import_outcome(FileJob.objects.get(pk=job_id)) == expected
