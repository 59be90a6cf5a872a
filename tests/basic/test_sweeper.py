"""The sweeper: jobs whose message or worker was lost still end, exactly once."""

import os
import re
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.sweeper import jobs_sweep
from store.models import Order, OrderItem
from tests.job_helpers import SKUS, job_id_from, wait_for, wait_until_processed
from tests.order_files import order_sheet, write_xlsx
from tests.processes import BASE_DIR, BeatProcess, WorkerProcess, manage

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _make_old(job_id, *fields):
    """As if an hour had passed since these timestamps."""
    long_ago = timezone.now() - timedelta(hours=1)
    FileJob.objects.filter(pk=job_id).update(**{name: long_ago for name in fields})


def test_a_job_whose_enqueue_failed_is_enqueued_by_the_sweeper(
    operator, celery_worker, worker_database_url, tmp_path
):
    path = write_xlsx(tmp_path / "o.xlsx", order_sheet(50, stores=["A001"], skus=SKUS).rows)
    # Uploaded from a web process whose broker is down (nothing listens on port 9).
    env = {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_REDIS_URL": "redis://127.0.0.1:9/0",
    }
    queued = manage("excel_import", "order", str(path), "--user", "ops", env=env)
    assert queued.returncode == 0, queued.stderr
    job = FileJob.objects.get()
    assert job.status == JobStatus.QUEUED and job.enqueued_at is None
    assert "队列" in job.message  # "waiting for the queue", in the uploader's language

    _make_old(job.pk, "created_at")
    assert jobs_sweep()["enqueued"] == 1

    job = wait_for(job.pk)
    assert job.status == JobStatus.SUCCEEDED and job.created == 50


def test_a_killed_worker_job_is_requeued_and_ends_with_exactly_the_right_rows(
    operator, worker_database_url, tmp_path
):
    sheet = order_sheet(40_000, stores=["A001"], skus=SKUS)
    path = write_xlsx(tmp_path / "big.xlsx", sheet.rows)
    # A broker of its own, so the session's worker does not take this job.
    env = {
        **os.environ,
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "OMS_DATABASE_URL": worker_database_url,
    }
    first = WorkerProcess(env, "--pool", "solo")
    first.wait_ready()
    queued = manage("excel_import", "order", str(path), "--user", "ops", env=env)
    assert queued.returncode == 0, queued.stderr
    job_id = job_id_from(queued.stdout)

    wait_until_processed(job_id, 6_000)
    os.kill(first.proc.pid, signal.SIGKILL)
    first.proc.wait()
    killed = FileJob.objects.get(pk=job_id)
    assert killed.status == JobStatus.RUNNING and killed.processed < 40_000

    _make_old(job_id, "heartbeat_at")
    swept = manage("sweep_jobs", env=env)
    assert "re-queued 1" in swept.stdout, swept.stdout + swept.stderr
    second = WorkerProcess(env, "--pool", "solo")
    try:
        second.wait_ready()
        job = wait_for(job_id, timeout=300)
    finally:
        second.stop()

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.attempts == 2
    assert (job.processed, job.created, job.failed) == (40_000, 40_000, 0)
    assert OrderItem.objects.count() == 40_000
    assert Order.objects.count() == len(sheet.good_orders)
    lines = OrderItem.objects.values_list("order__platform_order_no", "sku_code")
    assert len(set(lines)) == 40_000  # no duplicate line


def test_two_sweepers_at_once_enqueue_each_job_once(operator, worker_database_url, tmp_path):
    jobs = [
        FileJob.objects.create(
            kind="order", direction="import", owner=operator, upload_name=f"upload/x{i}.xlsx"
        )
        for i in range(20)
    ]
    for job in jobs:
        _make_old(job.pk, "created_at")
    env = {
        **os.environ,
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_MAX_RUNNING_JOBS_PER_USER": "0",  # else only the owner's free slots are sent
    }
    sweepers = [
        subprocess.Popen([sys.executable, "manage.py", "sweep_jobs"], cwd=BASE_DIR, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [sweeper.communicate(timeout=120)[0] for sweeper in sweepers]
    sent = sum(int(re.search(r"enqueued (\d+)", out).group(1)) for out in outputs)
    assert sent == 20, outputs
    messages = list((tmp_path / "var" / "broker" / "queue").iterdir())
    assert len(messages) == 20
    assert FileJob.objects.filter(enqueued_at__isnull=True).count() == 0


def test_celery_beat_runs_the_sweeper(operator, celery_worker, worker_database_url, tmp_path):
    path = write_xlsx(tmp_path / "o.xlsx", order_sheet(20, stores=["A001"], skus=SKUS).rows)
    down = {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_REDIS_URL": "redis://127.0.0.1:9/0",
    }
    assert manage("excel_import", "order", str(path), "--user", "ops", env=down).returncode == 0
    job = FileJob.objects.get()
    _make_old(job.pk, "created_at")

    env = {**os.environ, "OMS_DATABASE_URL": worker_database_url, "OMS_SWEEP_INTERVAL_SECONDS": "1"}
    beat = BeatProcess({**env, "OMS_VAR_DIR": os.environ["OMS_VAR_DIR"]})
    try:
        job = wait_for(job.pk, timeout=120)
    finally:
        beat.stop()
    assert job.status == JobStatus.SUCCEEDED and job.created == 20
