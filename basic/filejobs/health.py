"""What /healthz reports: can we reach the database and the broker, and who is listening.

Anyone may ask whether the site is healthy (``health_summary``: a yes or no, computed at
most once per ``OMS_HEALTHZ_CACHE_SECONDS`` per process, without asking the workers);
the detail (``health_report``: drivers, errors, workers and their queues, about a second
for the workers' answers) is for superusers and callers with ``OMS_HEALTHZ_TOKEN``.
"""

import secrets
import threading
import time

from django.conf import settings
from django.db import connection

from oms_test.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2.0


def database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "vendor": connection.vendor}


def broker_status() -> dict:
    transport = "unknown"
    try:
        with celery_app.connection_for_read() as conn:
            transport = conn.transport.driver_type  # "redis", "amqp", "filesystem"
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # kombu raises many kinds of connection errors
        return {"ok": False, "transport": transport, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "transport": transport}


def worker_status() -> dict:
    """Workers that answer within a second, and which of them consume each queue."""
    try:
        replies = celery_app.control.inspect(timeout=1.0).active_queues() or {}
    except Exception as exc:
        return {"known": False, "error": f"{type(exc).__name__}: {exc}"}
    queues: dict[str, list[str]] = {queue.name: [] for queue in celery_app.conf.task_queues}
    for worker, consumed in replies.items():
        for queue in consumed:
            queues.setdefault(queue["name"], []).append(worker)
    return {
        "known": True,
        "count": len(replies),
        "names": sorted(replies),
        "queues": {name: sorted(workers) for name, workers in queues.items()},
    }


def health_report() -> tuple[bool, dict]:
    database = database_status()
    broker = broker_status()
    report = {"database": database, "broker": broker}
    if broker["ok"]:
        report["workers"] = worker_status()
    healthy = database["ok"] and broker["ok"]
    report["status"] = "ok" if healthy else "unavailable"
    return healthy, report


class _CachedSummary:
    """The last yes/no and when it expires; one thread computes while the others wait."""

    def __init__(self):
        self.lock = threading.Lock()
        self.healthy = False
        self.expires = 0.0

    def get(self) -> bool:
        with self.lock:
            if time.monotonic() >= self.expires:
                self.healthy = database_status()["ok"] and broker_status()["ok"]
                self.expires = time.monotonic() + settings.HEALTHZ_CACHE_SECONDS
            return self.healthy

    def clear(self) -> None:
        with self.lock:
            self.expires = 0.0


summary_cache = _CachedSummary()


def health_summary() -> bool:
    """Database and broker reachable, as found at most a few seconds ago."""
    return summary_cache.get()


def may_see_detail(request) -> bool:
    """Superusers, and monitoring that sends ``Authorization: Bearer <OMS_HEALTHZ_TOKEN>``."""
    if request.user.is_authenticated and request.user.is_active and request.user.is_superuser:
        return True
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and secrets.compare_digest(sent.encode(), token.encode())
