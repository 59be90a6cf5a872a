"""``python -m bench.healthz_load``: does anonymous /healthz traffic slow the login page?

gunicorn with 2 workers and a real Celery worker on Redis + MariaDB (as bench.load). One
client times ``GET /accounts/login/`` alone for ``OMS_HEALTHZ_IDLE_SECONDS`` (10), then
again for ``OMS_HEALTHZ_LOAD_SECONDS`` (20) while 4 anonymous clients call ``/healthz``
back to back. Prints the p50/p99 of both phases and their ratio; exits 1 if the login
page's p50 under load is more than twice the idle one. Needs OMS_BENCH_MYSQL_URL (a
database of the bench's own) and OMS_BENCH_REDIS_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.load import percentile
from tests.processes import BASE_DIR, BIN_DIR, HttpSession, WorkerProcess, free_port, manage

IDLE_SECONDS = float(os.environ.get("OMS_HEALTHZ_IDLE_SECONDS", "10"))
LOAD_SECONDS = float(os.environ.get("OMS_HEALTHZ_LOAD_SECONDS", "20"))
HEALTHZ_CLIENTS = 4


def timed_gets(url: str, path: str, stop: float, into: list[float], statuses: list[int]) -> None:
    session = HttpSession(url)
    while time.monotonic() < stop:
        started = time.monotonic()
        status, _headers, _body = session.get(path)
        into.append(time.monotonic() - started)
        statuses.append(status)


def main() -> int:
    mysql_url = os.environ.get("OMS_BENCH_MYSQL_URL")
    redis_url = os.environ.get("OMS_BENCH_REDIS_URL")
    if not (mysql_url and redis_url):
        sys.stderr.write("set OMS_BENCH_MYSQL_URL and OMS_BENCH_REDIS_URL\n")
        return 2
    root = Path(tempfile.mkdtemp(prefix="oms-healthz-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OMS_")},
        "OMS_DATABASE_URL": mysql_url,
        "OMS_REDIS_URL": redis_url,
        "OMS_VAR_DIR": str(root / "var"),
        "OMS_FILES_ROOT": str(root / "files"),
        "OMS_LOG_DIR": str(root / "logs"),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "oms_test.settings",
    }
    done = manage("migrate", "--noinput", env=env, timeout=600)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        return 1
    port = free_port()
    web = subprocess.Popen(
        [str(BIN_DIR / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "oms_test.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = WorkerProcess(env)
    url = f"http://127.0.0.1:{port}"
    try:
        worker.wait_ready()
        for _ in range(100):
            try:
                if HttpSession(url).get("/accounts/login/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        idle: list[float] = []
        timed_gets(url, "/accounts/login/", time.monotonic() + IDLE_SECONDS, idle, [])
        loaded: list[float] = []
        health: list[float] = []
        health_statuses: list[int] = []
        stop = time.monotonic() + LOAD_SECONDS
        threads = [
            threading.Thread(
                target=timed_gets, args=(url, "/healthz", stop, health, health_statuses)
            )
            for _ in range(HEALTHZ_CLIENTS)
        ]
        threads.append(
            threading.Thread(target=timed_gets, args=(url, "/accounts/login/", stop, loaded, []))
        )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        worker.stop()
        web.terminate()
        web.wait(timeout=30)
    idle_p50, loaded_p50 = percentile(idle, 0.5) * 1000, percentile(loaded, 0.5) * 1000
    rows = [
        "| phase | requests | p50 ms | p99 ms |",
        "|---|---|---|---|",
        f"| GET /accounts/login/ alone, {IDLE_SECONDS:.0f} s | {len(idle)} | {idle_p50:.1f} "
        f"| {percentile(idle, 0.99) * 1000:.1f} |",
        f"| GET /accounts/login/ with {HEALTHZ_CLIENTS} anonymous /healthz loops, "
        f"{LOAD_SECONDS:.0f} s | {len(loaded)} | {loaded_p50:.1f} "
        f"| {percentile(loaded, 0.99) * 1000:.1f} |",
        f"| GET /healthz (anonymous, {HEALTHZ_CLIENTS} clients) | {len(health)} "
        f"| {percentile(health, 0.5) * 1000:.1f} | {percentile(health, 0.99) * 1000:.1f} |",
        "",
        f"login p50 under load / idle: {loaded_p50 / idle_p50:.2f}× "
        f"(/healthz statuses: {sorted(set(health_statuses))})",
    ]
    text = "\n".join(rows)
    print(text)
    (Path(__file__).parent / "results" / "healthz.md").write_text(
        "# Anonymous /healthz under load: gunicorn -w 2 + Celery worker, Redis + MariaDB\n\n"
        f"{text}\n"
    )
    return 0 if loaded_p50 <= 2 * idle_p50 else 1


if __name__ == "__main__":
    sys.exit(main())
