"""Queues keep small jobs fast; one user's many jobs do not take every worker.

Real `celery -A oms_test worker` processes on the server-less broker.
"""

import os
import time
from pathlib import Path

import pytest
from django.core.files import File

from basic.filejobs.lifecycle import job_cancel
from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.requests import import_job_create
from store.models import OrderItem
from tests.job_helpers import SKUS, job_id_from, wait_for, wait_until_processed
from tests.order_files import order_sheet, write_csv
from tests.processes import BASE_DIR, WorkerProcess, manage

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_broker_env(worker_database_url, tmp_path):
    """Processes with their own server-less broker: only the workers a test starts."""
    return {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(BASE_DIR),
    }


def _started(*workers: WorkerProcess) -> None:
    for worker in workers:
        worker.wait_ready()


def test_a_small_export_finishes_while_a_long_import_runs(
    operator, catalogue, own_broker_env, tmp_path
):
    env = own_broker_env
    store_b = catalogue[1]
    # as docs/OPERATIONS.md says: a worker that also consumed exports would take the export
    # whenever it is free between two import parts, so which worker ran it was a race
    general = WorkerProcess(
        env, "--concurrency", "1", "-Q", "imports,default,maintenance", "--hostname", "general@%h"
    )
    exports = WorkerProcess(env, "--concurrency", "1", "-Q", "exports", "--hostname", "exports@%h")
    import_id = None
    try:
        _started(general, exports)
        small = write_csv(tmp_path / "b.csv", order_sheet(1_000, stores=["B001"], skus=SKUS).rows)
        done = manage("excel_import", "order", str(small), "--user", "ops", "--wait", env=env)
        assert done.returncode == 0, done.stdout + done.stderr

        sheet = order_sheet(200_000, stores=["A001"], skus=SKUS, prefix="BIG")
        big = write_csv(tmp_path / "big.csv", sheet.rows)
        queued = manage("excel_import", "order", str(big), "--user", "ops", env=env)
        import_id = job_id_from(queued.stdout)
        wait_until_processed(import_id, 2_000)

        exported = manage(
            "excel_export", "order", "--user", "ops", "--format", "xlsx", "--wait",
            "--filter", f"store__id__exact={store_b.pk}", env=env,
        )  # fmt: skip
        assert exported.returncode == 0, exported.stdout + exported.stderr
        export = FileJob.objects.get(pk=job_id_from(exported.stdout))
        running_import = FileJob.objects.get(pk=import_id)
    finally:
        if import_id:  # the rest of the long import is not needed
            job_cancel(job=FileJob.objects.get(pk=import_id))
        general.stop()
        exports.stop()

    assert export.status == JobStatus.SUCCEEDED and export.total == 1_000
    assert export.worker.startswith("exports@")
    assert running_import.status == JobStatus.RUNNING
    assert running_import.worker.startswith("general@")
    assert running_import.processed < 200_000


def _create_import(user, path: Path) -> FileJob:
    with path.open("rb") as handle:
        job, created = import_job_create(
            user=user, kind="order", uploaded=File(handle, path.name), language="en"
        )
    assert created
    return job


def _most_at_once(jobs: list[FileJob]) -> int:
    """The most jobs of the list that ran at the same moment (from their start and end)."""
    edges = sorted(
        [(job.started_at, 1) for job in jobs] + [(job.finished_at, -1) for job in jobs],
        key=lambda edge: (edge[0], edge[1]),
    )
    running = most = 0
    for _moment, step in edges:
        running += step
        most = max(most, running)
    return most


def test_one_user_runs_at_most_two_jobs_and_another_user_starts_meanwhile(
    operator, catalogue, operator_factory, worker_database_url, settings, tmp_path
):
    assert settings.MAX_RUNNING_JOBS_PER_USER == 2
    other = operator_factory(catalogue[2], username="other")
    files = []
    for number in range(5):
        sheet = order_sheet(6_000, stores=["A001"], skus=SKUS, prefix=f"U{number}")
        files.append(write_csv(tmp_path / f"ops-{number}.csv", sheet.rows))
    other_file = write_csv(
        tmp_path / "other.csv", order_sheet(2_000, stores=["C001"], skus=SKUS, prefix="O").rows
    )
    env = {**os.environ, "OMS_DATABASE_URL": worker_database_url, "PYTHONPATH": str(BASE_DIR)}
    # more pool processes than one user's slots: the limit, not the pool, holds them back
    workers = WorkerProcess(env, "--concurrency", "4", "--hostname", "slots@%h")
    try:
        workers.wait_ready()
        mine = [_create_import(operator, path) for path in files]
        theirs = _create_import(other, other_file)
        waiting_seen = False
        deadline = time.monotonic() + 300
        while FileJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists():
            # it says why: a free slot, or its turn behind an earlier job that has not started
            waiting = FileJob.objects.filter(
                status=JobStatus.QUEUED, message__startswith="Waiting for"
            )
            waiting_seen = waiting_seen or waiting.exists()
            assert time.monotonic() < deadline, "the jobs did not end in time"
            time.sleep(0.05)
    finally:
        workers.stop()

    mine = [wait_for(job.pk) for job in mine]
    theirs = wait_for(theirs.pk)
    assert [job.status for job in [*mine, theirs]] == [JobStatus.SUCCEEDED] * 6
    assert _most_at_once(mine) == 2
    assert waiting_seen
    # the other user did not wait for the first user's queue to drain
    assert theirs.started_at < max(job.started_at for job in mine)
    # the first user's jobs started in the order they were created
    assert [job.pk for job in sorted(mine, key=lambda job: job.started_at)] == [
        job.pk for job in mine
    ]
    assert OrderItem.objects.count() == 5 * 6_000 + 2_000
