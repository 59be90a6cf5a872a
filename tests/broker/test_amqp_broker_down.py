"""RabbitMQ stopped, or hung, while users upload: every upload is answered at once and
kept, and runs once the broker is back. A node of the test's own (never the system's)."""

import json
import os
import time

import pytest
from django.conf import settings

from basic.filejobs.models import FileJob, JobStatus
from tests.factories import PASSWORD
from tests.job_helpers import SKUS, wait_for
from tests.order_files import order_sheet, write_xlsx
from tests.processes import BeatProcess, HttpSession, WebProcess, WorkerProcess
from tests.rabbitmq import assert_on_rabbitmq, queue_size

pytestmark = [
    pytest.mark.integration,
    pytest.mark.amqp,
    pytest.mark.django_db(transaction=True),
    pytest.mark.database_neutral,
]

TOKEN = "rabbit-down-test-token"
MONITOR = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def node_env(rabbit_node, worker_database_url, tmp_path):
    return {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_BROKER_URL": rabbit_node.url,
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "OMS_SWEEP_INTERVAL_SECONDS": "1",
        "OMS_HEALTHZ_TOKEN": TOKEN,  # /healthz's detail, fresh
    }


def _upload(browser: HttpSession, tmp_path, name: str) -> tuple[FileJob, float]:
    """An upload of 100 order lines; the job it queued and how long the answer took."""
    rows = order_sheet(100, stores=["A001"], skus=SKUS, prefix=name).rows
    content = write_xlsx(tmp_path / f"{name}.xlsx", rows).read_bytes()
    started = time.monotonic()
    status, _headers, body = browser.upload("/api/jobs/import/", {"kind": "order"}, "订单.xlsx", content)  # fmt: skip
    assert status == 202, body
    return FileJob.objects.get(pk=json.loads(body)["id"]), time.monotonic() - started


def _started(*processes):
    for process in processes:
        process.wait_ready()
    return list(processes)


def test_uploads_while_rabbitmq_is_stopped_are_kept_and_run_once_it_is_back(
    operator, rabbit_node, node_env, tmp_path
):
    web = WebProcess(node_env)
    # upkeep only: imports wait in RabbitMQ until an import worker starts, after the restart
    processes = _started(
        WorkerProcess(node_env, "-Q", "maintenance", "--hostname", "upkeep@%h"),
        BeatProcess(node_env),
    )
    try:
        assert_on_rabbitmq(processes[0].text, rabbit_node.url)
        browser = HttpSession(web.url)
        browser.login(operator.username, PASSWORD)
        before, _took = _upload(browser, tmp_path, "B")
        sent_before = FileJob.objects.get(pk=before.pk).enqueued_at
        assert sent_before is not None and queue_size(rabbit_node.url, "imports") == 1

        rabbit_node.stop()
        during, took = _upload(browser, tmp_path, "D")
        assert took < 30  # answered, not hung on the broker
        during.refresh_from_db()
        assert during.status == JobStatus.QUEUED and during.enqueued_at is None
        _status, _headers, detail = browser.get(f"/api/jobs/{during.pk}/")
        assert "队列" in json.loads(detail)["message"]  # "waiting for the queue"
        health_status, _headers, health = browser.request("GET", "/healthz", headers=MONITOR)
        assert health_status == 503 and json.loads(health)["broker"]["ok"] is False

        rabbit_node.start()  # the same port and data folder
        processes += _started(WorkerProcess(node_env, "-Q", "imports", "--hostname", "imp@%h"))
        jobs = [wait_for(job.pk, timeout=120) for job in (before, during)]
        assert browser.request("GET", "/healthz", headers=MONITOR)[0] == 200
        assert all(process.proc.poll() is None for process in processes)  # reconnected
    finally:
        for process in processes:
            process.stop()
        web.stop()

    assert [(job.status, job.created) for job in jobs] == [(JobStatus.SUCCEEDED, 100)] * 2
    # the message sent before the stop was kept by RabbitMQ and ran: never sent again
    assert jobs[0].enqueued_at == sent_before
    assert jobs[0].worker.startswith("imp@") and jobs[1].worker.startswith("imp@")


def test_an_upload_while_rabbitmq_hangs_is_answered_and_runs_once_it_answers(
    operator, rabbit_node, node_env, tmp_path
):
    web = WebProcess(node_env)
    processes = _started(WorkerProcess(node_env, "--concurrency", "1"), BeatProcess(node_env))
    try:
        assert_on_rabbitmq(processes[0].text, rabbit_node.url)
        browser = HttpSession(web.url)
        browser.login(operator.username, PASSWORD)
        first, _took = _upload(browser, tmp_path, "F")
        assert wait_for(first.pk).status == JobStatus.SUCCEEDED  # the web's connection is open

        rabbit_node.freeze()  # connections stay open, nothing answers
        try:
            hung, took = _upload(browser, tmp_path, "H")
        finally:
            rabbit_node.thaw()
        # given up after the publish timeout, not held until the broker answers
        assert took < settings.BROKER_PUBLISH_TIMEOUT + 15
        after, _took = _upload(browser, tmp_path, "A")
        jobs = [wait_for(job.pk, timeout=120) for job in (hung, after)]
    finally:
        for process in processes:
            process.stop()
        web.stop()

    assert [(job.status, job.created) for job in jobs] == [(JobStatus.SUCCEEDED, 100)] * 2
    assert jobs[0].attempts == 1  # run once, though its message may have arrived twice
