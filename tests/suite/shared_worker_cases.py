"""Run by test_shared_worker.py as a suite of its own (not collected by default): the
first test kills the shared worker, the second needs one."""

import json
import os
import signal

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PIDS = os.environ["OMS_TEST_SHARED_WORKER_PIDS"]


def record(name: str, worker) -> None:
    with open(PIDS, "a") as out:
        out.write(json.dumps({"test": name, "pid": worker.proc.pid}) + "\n")


def test_that_kills_the_worker(celery_worker):
    record("kills", celery_worker)
    os.killpg(celery_worker.proc.pid, signal.SIGKILL)
    celery_worker.proc.wait()


def test_after_the_crash(celery_worker):
    from oms_test.celery import debug_task

    record("after", celery_worker)
    assert debug_task.delay().get(timeout=60)["hostname"].startswith("test-worker@")
