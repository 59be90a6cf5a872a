"""Web and worker on two hosts that share no disk: network namespaces on one machine.

The worker runs in a namespace of its own, joined to this one by a veth pair; the web
runs here. Each has its own empty files root. Between them there is only the link:
Redis (an instance of this test, bound to the link address), MariaDB (the test database,
forwarded from the link address with socat), and the S3 server (moto, on the link).
"""

import io
import json
import os
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from django.db import connection

from basic.filejobs.models import JobStatus
from tests.conftest import running_s3_server, skip_unless_required, wait_for_port
from tests.factories import PASSWORD
from tests.job_helpers import SKUS, wait_for
from tests.order_files import order_sheet, write_xlsx
from tests.processes import HttpSession, WebProcess, WorkerProcess, free_port, process_env_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NAMESPACE = "oms-worker-host"
WEB_ADDRESS, WORKER_ADDRESS = "10.213.7.1", "10.213.7.2"  # the two ends of the link
WEB_LINK, WORKER_LINK = "oms-web0", "oms-wrk0"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@pytest.fixture
def worker_namespace() -> Iterator[str]:
    """A network namespace for the worker host, linked to this one by a veth pair."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        skip_unless_required("two hosts need root and iproute2 (ip netns)")
    subprocess.run(["ip", "netns", "del", NAMESPACE], capture_output=True)  # a leftover
    subprocess.run(["ip", "link", "del", WEB_LINK], capture_output=True)
    _ip("netns", "add", NAMESPACE)
    try:
        _ip("link", "add", WEB_LINK, "type", "veth", "peer", "name", WORKER_LINK)
        _ip("link", "set", WORKER_LINK, "netns", NAMESPACE)
        _ip("addr", "add", f"{WEB_ADDRESS}/24", "dev", WEB_LINK)
        _ip("link", "set", WEB_LINK, "up")
        for args in (
            ("addr", "add", f"{WORKER_ADDRESS}/24", "dev", WORKER_LINK),
            ("link", "set", WORKER_LINK, "up"),
            ("link", "set", "lo", "up"),
            # its way out is the link (get_ip() asks the routing table for the address)
            ("route", "add", "default", "via", WEB_ADDRESS),
        ):
            _ip("netns", "exec", NAMESPACE, "ip", *args)
        yield NAMESPACE
    finally:
        subprocess.run(["ip", "netns", "del", NAMESPACE], capture_output=True)
        subprocess.run(["ip", "link", "del", WEB_LINK], capture_output=True)


@contextmanager
def _server(command: list[str], port: int, log_path: Path) -> Iterator[None]:
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(WEB_ADDRESS, port, proc, log_path)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def link_services(worker_namespace, worker_database_url, tmp_path) -> Iterator[dict]:
    """Redis, MariaDB and S3 reachable at the web end of the link: the shared variables."""
    for program in ("redis-server", "socat"):
        if not shutil.which(program):
            skip_unless_required(f"two hosts need {program} (Debian package {program})")
    redis_port, db_port = free_port(), free_port()
    database = urllib.parse.urlsplit(worker_database_url)
    redis = ["redis-server", "--bind", WEB_ADDRESS, "--port", str(redis_port), "--save", "",
             "--appendonly", "no", "--protected-mode", "no"]  # fmt: skip
    forward = ["socat", f"TCP-LISTEN:{db_port},bind={WEB_ADDRESS},fork,reuseaddr",
               f"TCP:{database.hostname}:{database.port or 3306}"]  # fmt: skip
    with (
        _server(redis, redis_port, tmp_path / "redis.log"),
        _server(forward, db_port, tmp_path / "socat.log"),
        running_s3_server(tmp_path, host=WEB_ADDRESS) as s3,
    ):
        credentials = database.netloc.rpartition("@")[0]
        yield {
            **s3.env,
            "OMS_REDIS_URL": f"redis://{WEB_ADDRESS}:{redis_port}/0",
            "OMS_DATABASE_URL": database._replace(
                netloc=f"{credentials}@{WEB_ADDRESS}:{db_port}"
            ).geturl(),
        }


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_upload_on_the_web_host_is_imported_by_the_worker_host(
    operator, link_services, worker_namespace, tmp_path
):
    if connection.vendor != "mysql":
        pytest.skip("two hosts share no disk, so no SQLite file: runs in the MySQL pass")
    roots = {host: tmp_path / host for host in ("web", "worker")}
    envs = {}
    for host, root in roots.items():
        (root / "tmp").mkdir(parents=True)
        envs[host] = process_env_for(root, **link_services, TMPDIR=str(root / "tmp"))
        envs[host].pop("OMS_HOST_IP", None)  # each host finds its own address
    envs["web"]["OMS_ALLOWED_HOSTS"] = WEB_ADDRESS
    worker = WorkerProcess(
        envs["worker"], "--concurrency", "1", prefix=("ip", "netns", "exec", worker_namespace)
    )
    web = None
    try:
        worker.wait_ready()
        web = WebProcess(envs["web"], host=WEB_ADDRESS)
        browser = HttpSession(web.url)
        browser.login(operator.username, PASSWORD)
        sheet = order_sheet(
            400, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=10
        )
        content = write_xlsx(tmp_path / "orders.xlsx", sheet.rows).read_bytes()
        status, _headers, body = browser.upload(
            "/api/jobs/import/", {"kind": "order"}, "订单.xlsx", content
        )
        assert status == 202, body
        job = wait_for(json.loads(body)["id"], timeout=180)
        report_status, _headers, report = browser.get(f"/api/jobs/{job.pk}/error-report")
    finally:
        if web is not None:
            web.stop()
        worker.stop()

    assert job.status == JobStatus.SUCCEEDED, f"{job.message}\n{worker.text[-4000:]}"
    assert job.host == WORKER_ADDRESS  # get_ip() inside the worker's namespace
    assert (job.processed, job.failed) == (400, len(sheet.rejected_rows))
    assert report_status == 200
    rows = openpyxl.load_workbook(io.BytesIO(report)).worksheets[0].iter_rows(min_row=2)
    assert {row[-1].value for row in rows} == sheet.rejected_rows  # its last column: the row
    assert _files_under(roots["web"] / "files") == []
    assert _files_under(roots["worker"] / "files") == []
