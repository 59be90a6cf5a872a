"""A real `celery -A oms_test worker` runs a task sent by another process."""

import json

import pytest

from tests.processes import WorkerProcess, run_python

SEND_DEBUG_TASK = """
import json
from oms_test.celery import debug_task
print(json.dumps(debug_task.delay().get(timeout=60)))
"""

pytestmark = pytest.mark.integration


def _run_debug_task_through_worker(env, tmp_path):
    worker = WorkerProcess(env, "--concurrency", "1", "--hostname", "test@%h")
    try:
        worker.wait_ready()
        sent = run_python(SEND_DEBUG_TASK, env)
        assert sent.returncode == 0, sent.stderr + worker.text
        result = json.loads(sent.stdout.strip().splitlines()[-1])
    finally:
        worker.stop()
    assert result["hostname"].startswith("test@")
    celery_logs = list((tmp_path / "logs" / "celery").glob("celery_*.log"))
    assert celery_logs, "the worker wrote no celery log"
    assert result["task_id"] in "".join(p.read_text() for p in celery_logs)
    return result


def test_worker_runs_debug_task_over_the_serverless_broker(process_env, tmp_path):
    result = _run_debug_task_through_worker(process_env, tmp_path)
    assert (tmp_path / "var" / "broker" / "queue").is_dir()
    assert result["ip"].count(".") == 3


@pytest.mark.redis
def test_worker_runs_debug_task_over_redis(process_env, redis_url, tmp_path):
    process_env["OMS_REDIS_URL"] = redis_url
    _run_debug_task_through_worker(process_env, tmp_path)


def test_celery_speaks_json_only_and_acks_late():
    from oms_test.celery import app

    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1


@pytest.mark.amqp
def test_worker_runs_debug_task_over_rabbitmq(process_env, amqp_url, tmp_path):
    process_env["OMS_BROKER_URL"] = amqp_url
    _run_debug_task_through_worker(process_env, tmp_path)
    assert list((tmp_path / "var" / "broker" / "results").iterdir())  # results: local files
    assert not (tmp_path / "var" / "broker" / "queue").exists()  # not the embedded broker


@pytest.mark.amqp
@pytest.mark.redis
def test_worker_runs_debug_task_over_rabbitmq_with_results_in_redis(
    process_env, amqp_url, redis_url, tmp_path
):
    import redis

    process_env.update(OMS_BROKER_URL=amqp_url, OMS_REDIS_URL=redis_url)
    result = _run_debug_task_through_worker(process_env, tmp_path)
    database = redis.Redis.from_url(redis_url)
    assert database.exists(f"celery-task-meta-{result['task_id']}")
    assert not database.keys("_kombu.binding.*")  # Redis was not the broker
    assert not (tmp_path / "var" / "broker" / "queue").exists()  # nor the embedded one
