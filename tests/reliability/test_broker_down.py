"""Redis stopped while a user uploads: the upload is kept and runs once Redis is back."""

import json
import os
import shutil
import subprocess
import time

import pytest

from basic.filejobs.models import FileJob, JobStatus
from tests.conftest import skip_unless_required
from tests.factories import PASSWORD
from tests.job_helpers import SKUS, wait_for
from tests.order_files import order_sheet, write_xlsx
from tests.processes import BeatProcess, HttpSession, WebProcess, WorkerProcess, free_port

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class RedisServer:
    """A Redis of the test's own on a free port, to stop and start at will."""

    def __init__(self, folder):
        if shutil.which("redis-server") is None:
            skip_unless_required("redis-server is not installed")
        self.port, self.folder = free_port(), folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def test_upload_is_accepted_while_redis_is_down_and_runs_when_it_is_back(
    operator,
    worker_database_url,
    tmp_path,
):
    redis_server = RedisServer(tmp_path)
    env = {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_REDIS_URL": redis_server.url,
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "OMS_SWEEP_INTERVAL_SECONDS": "1",
        "OMS_HEALTHZ_TOKEN": "broker-down-test-token",  # /healthz's detail, fresh
    }
    monitor = {"Authorization": "Bearer broker-down-test-token"}
    web = WebProcess(env)
    processes = []
    try:
        browser = HttpSession(web.url)
        browser.login(operator.username, PASSWORD)
        redis_server.stop()

        content = write_xlsx(
            tmp_path / "o.xlsx", order_sheet(100, stores=["A001"], skus=SKUS).rows
        ).read_bytes()
        started = time.monotonic()
        status, _headers, body = browser.upload(
            "/api/jobs/import/", {"kind": "order"}, "订单.xlsx", content
        )
        assert status == 202, body
        assert time.monotonic() - started < 30  # answered, not hung on the broker
        job = FileJob.objects.get(pk=json.loads(body)["id"])
        assert job.status == JobStatus.QUEUED and job.enqueued_at is None
        status, _headers, detail = browser.get(f"/api/jobs/{job.pk}/")
        assert "队列" in json.loads(detail)["message"]  # "waiting for the queue"
        health_status, _headers, health = browser.request("GET", "/healthz", headers=monitor)
        assert health_status == 503 and json.loads(health)["broker"]["ok"] is False

        redis_server.start()
        processes = [WorkerProcess(env, "--concurrency", "1"), BeatProcess(env)]
        job = wait_for(job.pk, timeout=120)
        assert job.status == JobStatus.SUCCEEDED and job.created == 100
        assert browser.request("GET", "/healthz", headers=monitor)[0] == 200
    finally:
        for process in processes:
            process.stop()
        web.stop()
        redis_server.stop()
