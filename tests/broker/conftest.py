"""Fixtures of the RabbitMQ tests: real processes on a vhost of the test's own."""

import os

import pytest


@pytest.fixture
def amqp_env(amqp_url, worker_database_url, tmp_path):
    """Processes on RabbitMQ (results and locks in local files: no OMS_REDIS_URL), with
    short timeouts so that recovery fits in a test."""
    return {
        **os.environ,
        "OMS_DATABASE_URL": worker_database_url,
        "OMS_BROKER_URL": amqp_url,
        "OMS_JOB_STALE_MINUTES": "0.1",
        "OMS_VAR_DIR": str(tmp_path / "var"),
        "OMS_SWEEP_INTERVAL_SECONDS": "1",
    }
