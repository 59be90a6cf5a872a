"""Which broker, result backend and celery_once backend a process gets from OMS_BROKER_URL
and OMS_REDIS_URL (read in a fresh process each: settings are read once at start)."""

import json

import pytest

from tests.processes import process_env_for, run_python

SHOW_CELERY_SETTINGS = """
import json
import django
django.setup()
from oms_test.celery import app
transport = app.connection_for_write().get_transport_cls()
print(json.dumps({
    "transport": f"{transport.__module__}:{transport.__name__}",
    "broker": app.conf.broker_url,
    "options": app.conf.broker_transport_options,
    "results": app.conf.result_backend,
    "once": app.conf.ONCE["backend"],
}))
"""
AMQP = "amqp://guest:guest@rabbit.example.com:5672/oms"
REDIS = "redis://redis.example.com:6379/0"


def _celery_settings(tmp_path, **variables: str) -> dict:
    shown = run_python(SHOW_CELERY_SETTINGS, process_env_for(tmp_path, **variables))
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout.strip().splitlines()[-1])


def test_rabbitmq_broker_with_redis_for_results_and_locks(tmp_path):
    seen = _celery_settings(tmp_path, OMS_BROKER_URL=AMQP, OMS_REDIS_URL=REDIS)
    assert seen["broker"] == AMQP
    assert seen["transport"] == "utils.amqp_broker:Transport"
    # confirms: a publish to a broker that stopped raises instead of losing the message
    assert seen["options"] == {"confirm_publish": True, "connect_timeout": 5}
    assert seen["results"] == REDIS
    assert seen["once"] == "celery_once.backends.Redis"


def test_rabbitmq_broker_alone_keeps_results_and_locks_in_local_files(tmp_path):
    seen = _celery_settings(tmp_path, OMS_BROKER_URL=AMQP)
    assert seen["broker"] == AMQP
    assert seen["results"] == f"file://{tmp_path / 'var' / 'broker' / 'results'}"
    assert seen["once"] == "basic.filejobs.once_backends.File"
    assert (tmp_path / "var" / "broker" / "results").is_dir()  # made at start


@pytest.mark.parametrize("broker", ["", REDIS])
def test_redis_is_the_broker_unless_another_is_named(tmp_path, broker):
    seen = _celery_settings(tmp_path, OMS_BROKER_URL=broker, OMS_REDIS_URL=REDIS)
    assert seen["broker"] == REDIS and seen["results"] == REDIS
    assert seen["options"] == {
        "visibility_timeout": 4 * 3600,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
    }
    assert seen["once"] == "celery_once.backends.Redis"


def test_a_short_redis_visibility_timeout_is_looked_after_within_half_of_it(tmp_path):
    seen = _celery_settings(tmp_path, OMS_REDIS_URL=REDIS, OMS_REDIS_VISIBILITY_TIMEOUT="5")
    assert seen["options"]["visibility_timeout"] == 5
    assert seen["options"]["unacked_restore_interval"] == 2  # kombu's default sweep: 100 s
    assert seen["options"]["unacked_restore_throttle"] == 1


def test_without_servers_the_embedded_broker(tmp_path):
    seen = _celery_settings(tmp_path)
    assert seen["broker"] == "filesystem://"
    assert seen["options"]["broker_folder"] == str(tmp_path / "var" / "broker")
    assert seen["once"] == "basic.filejobs.once_backends.File"


@pytest.mark.parametrize(
    ("url", "transport", "ssl"),
    [("amqp://guest@localhost//", "Transport", False), ("amqps://h//", "SSLTransport", True)],
)
def test_rabbitmq_urls_get_the_transport_that_bounds_a_publish(url, transport, ssl):
    from kombu import Connection

    import oms_test.celery  # noqa: F401  (registers the transports)
    from utils import amqp_broker

    connection = Connection(url)
    assert type(connection.transport) is getattr(amqp_broker, transport)
    assert connection.transport.Connection.Channel is amqp_broker.Channel
    assert bool(connection.ssl) is ssl
    assert connection.as_uri().startswith(url.split("://")[0] + "://")  # banners say amqp://
