import os

import pytest

from tests.processes import BASE_DIR, WorkerProcess

pytestmark = pytest.mark.django_db

TOKEN = "monitoring-token-0123456789"


@pytest.fixture
def client(client, settings, roles):
    """The detail is for superusers and the token's holders (anonymous callers: tests/security)."""
    from tests.factories import UserFactory

    settings.HEALTHZ_TOKEN = TOKEN
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"]


def test_healthz_is_503_when_the_broker_is_unreachable(client, use_broker):
    # A real connection attempt to a port where nothing listens.
    use_broker("redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False and body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True


@pytest.mark.redis
def test_healthz_reports_redis_broker(client, use_broker, redis_url):
    use_broker(redis_url)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"]["transport"] == "redis"


@pytest.mark.integration
def test_healthz_lists_the_workers_seen_per_queue(client, worker_database_url):
    env = {**os.environ, "OMS_DATABASE_URL": worker_database_url, "PYTHONPATH": str(BASE_DIR)}
    worker = WorkerProcess(env, "-Q", "exports", "--hostname", "export-only@%h")
    try:
        worker.wait_ready()
        queues = client.get("/healthz").json()["workers"]["queues"]
    finally:
        worker.stop()
    assert set(queues) >= {"default", "imports", "exports", "maintenance"}
    assert any(name.startswith("export-only@") for name in queues["exports"])
    for queue in ("default", "imports", "maintenance"):
        assert not any(name.startswith("export-only@") for name in queues[queue])


def test_monitoring_with_the_token_gets_the_detail(settings):
    from django.test import Client

    settings.HEALTHZ_TOKEN = TOKEN
    response = Client().get("/healthz", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.json()["database"]["ok"] and "workers" in response.json()
