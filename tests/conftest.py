"""Shared fixtures: isolated paths, named test servers, real worker processes."""

import os
from pathlib import Path

import pytest

from tests.factories import *  # noqa: F403
from tests.processes import BASE_DIR, process_env_for

REQUIRE_SERVICES = os.environ.get("OMS_REQUIRE_SERVICES") == "1"


def _service_url(variable: str, what: str) -> str:
    url = os.environ.get(variable, "")
    if url:
        return url
    message = f"{what} not available: set {variable} to run this test"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (OMS_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


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
