"""Shared fixtures: isolated paths, named test servers, real worker processes."""

import os
from pathlib import Path

import pytest

from tests.factories import *  # noqa: F403
from tests.processes import BASE_DIR, WorkerProcess, process_env_for

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
def mysql_url():
    return _service_url("OMS_TEST_MYSQL_URL", "MySQL/MariaDB")


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


@pytest.fixture(scope="session")
def celery_worker(worker_database_url):
    """One real `celery -A oms_test worker` process for the session, on the test database.

    Tests that use it must commit what the worker reads: mark them
    ``django_db(transaction=True)``.
    """
    env = {**os.environ, "OMS_DATABASE_URL": worker_database_url, "PYTHONPATH": str(BASE_DIR)}
    worker = WorkerProcess(env, "--concurrency", "1", "--hostname", "test-worker@%h")
    worker.wait_ready()
    yield worker
    worker.stop()


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
