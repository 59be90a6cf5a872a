"""celery_once 3.0.1 still works with Celery 5.7: a second identical task is refused."""

import uuid

import pytest
from celery_once import AlreadyQueued, QueueOnce

from oms_test.celery import app


@app.task(base=QueueOnce, once={"keys": ["token"], "timeout": 60})
def _once_probe(token):
    return token


def _assert_second_send_is_refused():
    token = uuid.uuid4().hex
    _once_probe.delay(token)
    with pytest.raises(AlreadyQueued):
        _once_probe.delay(token)
    _once_probe.delay(uuid.uuid4().hex)  # another key is not blocked


def test_file_backend_refuses_a_duplicate():
    assert app.conf.ONCE["backend"] == "basic.filejobs.once_backends.File"
    _assert_second_send_is_refused()


@pytest.mark.redis
def test_redis_backend_refuses_a_duplicate(redis_url, monkeypatch):
    import redis

    monkeypatch.setitem(
        app.conf,
        "ONCE",
        {
            "backend": "celery_once.backends.Redis",
            "settings": {"url": redis_url, "default_timeout": 60},
        },
    )
    _assert_second_send_is_refused()
    assert redis.Redis.from_url(redis_url).keys("qo_*"), "the lock was not kept in Redis"


def test_clearing_a_lock_that_is_not_there_is_quiet():
    # A retried task runs without a lock; with unlock_before_run it clears one anyway.
    _once_probe.once_backend.clear_lock(_once_probe.get_key([uuid.uuid4().hex], {}))
