import pytest

from oms_test.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"]


def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    # A real connection attempt to a port where nothing listens.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False and body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True


@pytest.mark.redis
def test_healthz_reports_redis_broker(client, monkeypatch, redis_url):
    monkeypatch.setattr(celery_app.conf, "broker_url", redis_url)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"]["transport"] == "redis"
