"""What /healthz reports: can we reach the database and the broker, and who is listening."""

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
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    try:
        with celery_app.connection_for_read() as conn:
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
