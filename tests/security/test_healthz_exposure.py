"""Anonymous /healthz: only 200/503 and a status word, from a result a few seconds old;
the detail (drivers, errors with host and port, worker names, queues) is for superusers
and monitoring with OMS_HEALTHZ_TOKEN."""

import pytest
from django.test import Client

from basic.filejobs.health import summary_cache
from oms_test.celery import app as celery_app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:9/0"  # a real connection attempt to a port where nothing listens


@pytest.fixture(autouse=True)
def fresh_summary(settings):
    settings.HEALTHZ_CACHE_SECONDS = 3600  # long enough that no test depends on the clock
    summary_cache.clear()
    yield
    summary_cache.clear()


@pytest.fixture
def no_worker_broadcast(monkeypatch):
    """Fails the test if anything asks the workers (a broadcast that waits a second)."""

    def refuse(*args, **kwargs):
        raise AssertionError("anonymous /healthz asked the workers")

    monkeypatch.setattr(celery_app.control, "inspect", refuse)


def test_anonymous_callers_get_only_the_status(no_worker_broadcast):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_anonymous_callers_get_503_and_no_error_detail(use_broker, no_worker_broadcast):
    use_broker(UNREACHABLE)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"127.0.0.1" not in response.content


def test_anonymous_answers_come_from_a_cached_result(use_broker):
    assert Client().get("/healthz").status_code == 200
    use_broker(UNREACHABLE)
    assert Client().get("/healthz").status_code == 200  # the cached answer, no new check
    detail = Client()
    detail.force_login(UserFactory(is_superuser=True))
    assert detail.get("/healthz").status_code == 503  # the detail is fresh
    summary_cache.clear()  # as when OMS_HEALTHZ_CACHE_SECONDS have passed
    assert Client().get("/healthz").status_code == 503


def test_operators_and_wrong_tokens_get_no_detail(settings, operator_factory, no_worker_broadcast):
    settings.HEALTHZ_TOKEN = "the-right-token-0123456789"
    operator = Client()
    operator.force_login(operator_factory())
    assert operator.get("/healthz").json() == {"status": "ok"}
    wrong = Client().get("/healthz", headers={"authorization": "Bearer the-wrong-token"})
    assert wrong.json() == {"status": "ok"}


def test_without_a_configured_token_an_empty_bearer_gets_no_detail(no_worker_broadcast):
    assert Client().get("/healthz", headers={"authorization": "Bearer "}).json() == {"status": "ok"}
