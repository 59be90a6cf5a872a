"""Two beats started by mistake: the sweeper runs twice as often, and still no job is doubled.

The sweeper is sent by the one ``celery -A oms_test beat`` of the cluster. When a second
beat is started by mistake, every sweep is sent twice. The sweeper's decisions are
conditional UPDATEs on the job row (basic/filejobs/sweeper.py): of two sweeps that see the same
lost job, only one sends it, so the sweeps' own counts add up to one send per job.

To make the sweeps really run at the same time, the beats send for a few seconds before
the worker starts: it finds a backlog of sweeps and runs four of them at once (the tests
check that several sweeps shared the work, or they would prove nothing).

The daily exports and the history purge are crontab entries (00:30, Sunday 03:45) that no
setting can bring forward: they are not covered here.
"""

import ast
import os
import re
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.files import File
from django.utils import timezone

from basic.filejobs import requests as uploads
from basic.filejobs.models import FileJob, JobStatus
from store.models import Order, OrderItem
from tests.job_helpers import SKUS, wait_for
from tests.order_files import order_sheet, write_xlsx
from tests.processes import BeatProcess, WorkerProcess

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CONCURRENCY = 4  # sweeps the worker runs at once
SWEEP_SENT = "Sending due task sweep-jobs"
SWEEP_DONE = re.compile(r"basic\.tasks\.sweep_jobs\[[^\]]+\] succeeded in [\d.]+s: (\{[^}]*\})")


@pytest.fixture
def cluster_env(redis_url, worker_database_url, tmp_path):
    """Processes on Redis; a sweep every second; no per-user slot limit (jobs never wait)."""
    return {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_REDIS_URL": redis_url,
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "OMS_SWEEP_INTERVAL_SECONDS": "1",
        "OMS_MAX_RUNNING_JOBS_PER_USER": "0",
    }


@pytest.fixture
def two_beats(cluster_env, tmp_path):
    """Two beats, as on two hosts: each with its own schedule file."""
    beats = []
    try:
        for name in ("beat-1", "beat-2"):
            var_dir = tmp_path / name
            var_dir.mkdir()
            beats.append(BeatProcess({**cluster_env, "OMS_VAR_DIR": str(var_dir)}))
        for beat in beats:
            beat.wait_ready()
        yield beats
    finally:
        for beat in beats:
            beat.stop()


def _lost_import(owner, path) -> FileJob:
    """An order import whose web process stopped before it sent the message to the broker."""
    with path.open("rb") as handle:
        job, created = uploads.import_job_create(
            user=owner, kind="order", uploaded=File(handle, name=path.name)
        )
    assert created
    return job


def _order_files(tmp_path, count: int, lines: int):
    sheets = [order_sheet(lines, stores=["A001", "B001"], skus=SKUS, prefix=f"J{i}-") for i in range(count)]  # fmt: skip
    paths = [write_xlsx(tmp_path / f"orders-{i}.xlsx", sheet.rows) for i, sheet in enumerate(sheets)]  # fmt: skip
    return sheets, paths


def _wait_for_sweep_backlog(beats, sweeps_each: int = 3, timeout: float = 30) -> None:
    """Until each beat has sent ``sweeps_each`` sweeps that no worker has taken yet."""
    deadline = time.monotonic() + timeout
    while any(beat.text.count(SWEEP_SENT) < sweeps_each for beat in beats):
        assert time.monotonic() < deadline, [beat.text for beat in beats]
        time.sleep(0.1)


def _sweeps(worker: WorkerProcess) -> list[dict]:
    """What each sweep the worker ran returned."""
    return [ast.literal_eval(found) for found in SWEEP_DONE.findall(worker.text)]


def _work_off(env, jobs) -> tuple[WorkerProcess, list[FileJob]]:
    """One worker until the jobs have ended, then a few more sweeps (to see late doubles)."""
    worker = WorkerProcess(env, "--concurrency", str(CONCURRENCY))
    try:
        worker.wait_ready()
        ended = [wait_for(job.pk, timeout=120) for job in jobs]
        more = len(_sweeps(worker)) + 4
        deadline = time.monotonic() + 30
        while len(_sweeps(worker)) < more:
            assert time.monotonic() < deadline, worker.text
            time.sleep(0.1)
    finally:
        worker.stop()
    return worker, ended


def _sweeper_log(worker: WorkerProcess) -> str:
    """The worker's lines about sweeps, for failure messages."""
    return "".join(line for line in worker.output if "sweep" in line)


def _assert_both_beats_swept_at_once(beats, worker, did: str) -> None:
    """Both beats sent sweeps, and the work ``did`` was shared by overlapping sweeps."""
    for beat in beats:
        assert SWEEP_SENT in beat.text, beat.text
    sweeps = _sweeps(worker)
    assert len(sweeps) >= 2 * 3, _sweeper_log(worker)
    sharing = [sweep for sweep in sweeps if sweep[did]]
    assert len(sharing) >= 2, f"one sweep did it all, none raced: {sweeps}"


def _assert_each_imported_once(ended, sheets, *, attempts: int) -> int:
    """Every job succeeded after ``attempts`` claims with its file's lines; the lines."""
    for job, sheet in zip(ended, sheets, strict=True):
        assert job.status == JobStatus.SUCCEEDED, job.message
        assert job.attempts == attempts, f"job {job.pk}: {job.attempts} attempts"
        assert (job.processed, job.created, job.failed) == (sheet.good_lines, sheet.good_lines, 0)
    lines = sum(sheet.good_lines for sheet in sheets)
    assert OrderItem.objects.count() == lines
    assert Order.objects.count() == sum(len(sheet.good_orders) for sheet in sheets)
    return lines


def test_two_beats_send_each_lost_job_once_and_it_runs_once(
    operator, cluster_env, two_beats, tmp_path, monkeypatch
):
    monkeypatch.setattr(uploads, "job_enqueue_on_commit", lambda job: None)
    sheets, paths = _order_files(tmp_path, count=40, lines=20)
    jobs = [_lost_import(operator, path) for path in paths]
    lost = FileJob.objects.filter(pk__in=[job.pk for job in jobs])
    assert lost.filter(status=JobStatus.QUEUED, enqueued_at__isnull=True).count() == len(jobs)
    lost.update(created_at=timezone.now() - timedelta(hours=1))  # all lost at once

    _wait_for_sweep_backlog(two_beats)
    worker, ended = _work_off(cluster_env, jobs)

    lines = _assert_each_imported_once(ended, sheets, attempts=1)
    keys = OrderItem.objects.values_list(
        "order__store__code", "order__platform_order_no", "sku_code"
    )
    assert len(set(keys)) == lines  # no line twice

    # The sweeps ran at once, yet each lost job was sent by exactly one of them.
    _assert_both_beats_swept_at_once(two_beats, worker, "enqueued")
    sends = Counter(int(n) for n in re.findall(r"sweeper enqueued job (\d+) again", worker.text))
    assert sends == Counter(job.pk for job in jobs), _sweeper_log(worker)
    assert sum(sweep["enqueued"] for sweep in _sweeps(worker)) == len(jobs), _sweeps(worker)


def test_two_beats_requeue_a_dead_workers_job_once(
    operator, cluster_env, two_beats, tmp_path, monkeypatch
):
    monkeypatch.setattr(uploads, "job_enqueue_on_commit", lambda job: None)
    sheets, paths = _order_files(tmp_path, count=32, lines=20)
    jobs = [_lost_import(operator, path) for path in paths]
    # Claimed once by a worker that died before writing a row: running, heartbeat an hour old.
    long_ago = timezone.now() - timedelta(hours=1)
    FileJob.objects.filter(pk__in=[job.pk for job in jobs]).update(
        status=JobStatus.RUNNING,
        attempts=1,
        enqueued_at=long_ago,
        started_at=long_ago,
        heartbeat_at=long_ago,
        worker="celery@dead-host",
    )

    _wait_for_sweep_backlog(two_beats)
    worker, ended = _work_off(cluster_env, jobs)

    _assert_each_imported_once(ended, sheets, attempts=2)  # 1 + 1, not 1 + 2

    # The sweeps ran at once, yet each dead worker's job was re-queued by exactly one of them.
    _assert_both_beats_swept_at_once(two_beats, worker, "requeued")
    requeues = re.findall(r"sweeper re-queued stale job (\d+) \(attempt 1\)", worker.text)
    assert Counter(int(n) for n in requeues) == Counter(job.pk for job in jobs), _sweeper_log(
        worker
    )
    done = _sweeps(worker)
    assert sum(sweep["requeued"] for sweep in done) == len(jobs), done
    assert sum(sweep["failed"] for sweep in done) == 0, done
