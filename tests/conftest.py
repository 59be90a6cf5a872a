"""Shared fixtures: isolated paths, named test servers, real worker processes."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories import *  # noqa: F403
from tests.processes import BASE_DIR, WorkerProcess, free_port, process_env_for

REQUIRE_SERVICES = os.environ.get("OMS_REQUIRE_SERVICES") == "1"


def skip_unless_required(message: str) -> None:
    """Skip, saying why, except in CI (OMS_REQUIRE_SERVICES=1), where it is a failure."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (OMS_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def _service_url(variable: str, what: str) -> str:
    url = os.environ.get(variable, "")
    if not url:
        skip_unless_required(f"{what} not available: set {variable} to run this test")
    return url


@pytest.fixture
def redis_url():
    """A Redis database that belongs to the tests (flushed before each use)."""
    url = _service_url("OMS_TEST_REDIS_URL", "Redis")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def amqp_url():
    """A vhost of this test's own on the RabbitMQ of OMS_TEST_AMQP_URL, deleted after it."""
    from tests.rabbitmq import vhost_create, vhost_delete

    server = _service_url("OMS_TEST_AMQP_URL", "RabbitMQ")
    try:
        url = vhost_create(server)
    except RuntimeError as exc:
        skip_unless_required(f"no vhost of the test's own on {server}: {exc}")
    yield url
    vhost_delete(url)


@pytest.fixture
def rabbit_node(tmp_path):
    """A private rabbitmq-server node of this test's own (tests.rabbitmq.RabbitNode), started."""
    from tests.rabbitmq import RabbitNode

    try:
        node = RabbitNode(tmp_path / "rabbitmq")
    except RuntimeError as exc:
        skip_unless_required(str(exc))
    node.start()
    yield node
    node.stop()


@pytest.fixture
def mysql_url():
    return _service_url("OMS_TEST_MYSQL_URL", "MySQL/MariaDB")


@pytest.fixture
def use_broker(monkeypatch):
    """Point this process's Celery app at another broker URL (its transport by the URL)."""
    from oms_test.celery import app

    def switch(url: str) -> None:
        monkeypatch.setattr(app.conf, "broker_url", url)
        monkeypatch.setattr(app.conf, "broker_transport", None)

    return switch


@dataclass
class S3Server:
    endpoint: str
    bucket: str
    client: object  # a boto3 S3 client with the server's keys
    env: dict[str, str]  # the OMS_S3_* variables of a process that uses the bucket

    def object_keys(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listed.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


@contextmanager
def running_s3_server(log_dir: Path, host: str = "127.0.0.1") -> Iterator[S3Server]:
    """moto's standalone S3 server on ``host`` and a free port, with an empty bucket."""
    import importlib.util

    if not (importlib.util.find_spec("moto") and importlib.util.find_spec("flask")):
        skip_unless_required(
            "moto[server] not installed: pip install -r requirements-dev.txt to run the S3 tests"
        )
    import boto3

    port = free_port()
    endpoint = f"http://{host}:{port}"
    log_path = log_dir / f"moto-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(host, port, proc, log_path)
        keys = {"aws_access_key_id": "oms-test", "aws_secret_access_key": "oms-test-secret"}
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
        client.create_bucket(Bucket="oms-jobs")
        env = {
            "OMS_S3_BUCKET": "oms-jobs",
            "OMS_S3_ENDPOINT_URL": endpoint,
            "OMS_S3_ACCESS_KEY_ID": keys["aws_access_key_id"],
            "OMS_S3_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
            "OMS_S3_REGION": "us-east-1",
        }
        yield S3Server(endpoint, "oms-jobs", client, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_port(host: str, port: int, proc: subprocess.Popen, log_path: Path) -> None:
    """Until ``host:port`` accepts connections; the server's log if it exits or never does."""
    import socket
    import time

    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log_text = log_path.read_text(errors="replace")
                raise RuntimeError(f"{proc.args[:3]} did not start:\n{log_text}") from None
            time.sleep(0.2)


@pytest.fixture
def s3_server(tmp_path):
    """moto's standalone S3 server on a free port, with an empty bucket ("oms-jobs")."""
    with running_s3_server(tmp_path) as server:
        yield server


@pytest.fixture
def process_env(tmp_path):
    """Environment for a subprocess of the project, with its own var/, logs/ and files/."""
    return process_env_for(tmp_path)


@pytest.fixture
def base_dir() -> Path:
    return BASE_DIR


@pytest.fixture(scope="session")
def worker_database_url(django_db_setup, django_db_blocker) -> str:
    """The test database, as a URL a worker process can be started with."""
    from urllib.parse import urlsplit

    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["OMS_DATABASE_URL"])
    return parts._replace(path=f"/{name}").geturl()


class SharedWorker:
    """The session's one real `celery -A oms_test worker`; a new one replaces it when it
    dies, so that one crash fails one test and not every later test that needs a worker."""

    def __init__(self, env: dict):
        self.env = env
        self.current = self._start()

    def _start(self) -> WorkerProcess:
        worker = WorkerProcess(self.env, "--concurrency", "1", "--hostname", "test-worker@%h")
        worker.wait_ready()
        return worker

    def replace_if_dead(self) -> str:
        """Empty while the worker lives; else why it died, after starting the next one."""
        dead = self.current
        if dead.proc.poll() is None:
            return ""
        self.current = self._start()
        return (
            f"the shared Celery worker (pid {dead.proc.pid}) exited with {dead.proc.returncode};"
            f" its output is in {dead.log_path}; last lines:\n{dead.last_lines()}"
        )


@pytest.fixture(scope="session")
def shared_worker(worker_database_url):
    env = {**os.environ, "OMS_DATABASE_URL": worker_database_url, "PYTHONPATH": str(BASE_DIR)}
    shared = SharedWorker(env)
    yield shared
    shared.current.stop()


@pytest.fixture
def celery_worker(shared_worker):
    """A live worker process on the test database (the session's, checked before and after
    each test). Tests that use it must commit what the worker reads: mark them
    ``django_db(transaction=True)``.
    """
    if death := shared_worker.replace_if_dead():
        pytest.fail(f"{death}\n(it died before this test; the next test gets a new worker)")
    yield shared_worker.current
    if death := shared_worker.replace_if_dead():
        pytest.fail(f"{death}\n(it died during this test; the next test gets a new worker)")


@pytest.fixture
def roles(db):
    """The role groups of the data migration (transactional tests flush them away)."""
    import importlib

    from django.apps import apps

    importlib.import_module("user.migrations.0002_roles").create_roles(apps, None)


@pytest.fixture
def catalogue(roles):
    """Products SKUS, warehouse WH-SH, carrier SF and stores A001, B001, C001."""
    from basic.models import LogisticsCompany, Warehouse
    from tests.factories import ProductFactory, StoreFactory
    from tests.job_helpers import SKUS

    for sku in SKUS:
        ProductFactory(sku_code=sku)
    Warehouse.objects.create(code="WH-SH", name="上海仓")
    LogisticsCompany.objects.create(code="SF", name="顺丰")
    return [StoreFactory(code="A001"), StoreFactory(code="B001"), StoreFactory(code="C001")]


@pytest.fixture
def operator(catalogue, operator_factory):
    """User "ops", an operator of stores A001 and B001 (not C001)."""
    store_a, store_b, _store_c = catalogue
    return operator_factory(store_a, store_b, username="ops")
