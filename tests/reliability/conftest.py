"""Fixtures of the reliability tests: real processes on Redis, with short timeouts."""

import os

import pytest


@pytest.fixture
def redis_env(redis_url, worker_database_url, tmp_path):
    """Processes on Redis, with short timeouts so that recovery fits in a test."""
    return {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_REDIS_URL": redis_url,
        "OMS_REDIS_VISIBILITY_TIMEOUT": "5",
        "OMS_JOB_STALE_MINUTES": "0.1",
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "OMS_SWEEP_INTERVAL_SECONDS": "1",
    }
