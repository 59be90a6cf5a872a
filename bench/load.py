"""``python -m bench.load``: the web under load (make bench-load).

gunicorn with 2 workers and a real Celery worker on Redis + MariaDB; 50 clients poll job
status and 5 clients upload 10,000-line order files for 60 s, all on loopback, bounded in
count and time. Reports errors and p50/p99 latency, then waits for every upload's job
and checks its counts. Needs OMS_BENCH_MYSQL_URL (a database of the bench's own) and
OMS_BENCH_REDIS_URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.order_files import order_sheet, write_xlsx
from tests.processes import BASE_DIR, BIN_DIR, HttpSession, WorkerProcess, free_port, manage

DURATION = float(os.environ.get("OMS_LOAD_SECONDS", "60"))
POLLERS, UPLOADERS, LINES = 50, 5, 10_000
SKUS = [f"SKU{i:04d}" for i in range(1, 41)]
SETUP = f"""
from django.contrib.auth import get_user_model
from basic.models import Product, Warehouse, LogisticsCompany
from store.models import Store
for sku in {SKUS!r}:
    Product.objects.get_or_create(sku_code=sku, defaults={{"name": sku}})
Warehouse.objects.get_or_create(code="WH-SH", defaults={{"name": "仓"}})
LogisticsCompany.objects.get_or_create(code="SF", defaults={{"name": "顺丰"}})
Store.objects.get_or_create(code="A001", defaults={{"name": "A", "platform": "jd"}})
User = get_user_model()
if not User.objects.filter(username="load").exists():
    User.objects.create_superuser("load", password="load-pass-2026")
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {"poll": [], "upload": []}
        self.errors: dict[str, int] = {"poll": 0, "upload": 0}
        self.jobs: list[int] = []

    def record(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1


def _session(url: str) -> HttpSession:
    session = HttpSession(url)
    session.login("load", "load-pass-2026")
    return session


def poller(session: HttpSession, job_path: str, stop: float, stats: Stats) -> None:
    while time.monotonic() < stop:
        started = time.monotonic()
        status, _headers, _body = session.get(job_path)
        stats.record("poll", time.monotonic() - started, status == 200)


def uploader(session: HttpSession, files: list[Path], stop: float, stats: Stats) -> None:
    for path in files:
        if time.monotonic() >= stop:
            return
        started = time.monotonic()
        status, _headers, body = session.upload(
            "/api/jobs/import/", {"kind": "order"}, path.name, path.read_bytes()
        )
        stats.record("upload", time.monotonic() - started, status == 202)
        if status == 202:
            with stats.lock:
                stats.jobs.append(json.loads(body)["id"])


def main() -> int:
    mysql_url, redis_url = (
        os.environ.get("OMS_BENCH_MYSQL_URL"),
        os.environ.get("OMS_BENCH_REDIS_URL"),
    )
    if not (mysql_url and redis_url):
        sys.stderr.write("set OMS_BENCH_MYSQL_URL and OMS_BENCH_REDIS_URL\n")
        return 2
    root = Path(tempfile.mkdtemp(prefix="oms-load-"))
    env = {
        **os.environ,
        "OMS_DATABASE_URL": mysql_url,
        "OMS_REDIS_URL": redis_url,
        "OMS_VAR_DIR": str(root / "var"),
        "OMS_FILES_ROOT": str(root / "files"),
        "OMS_LOG_DIR": str(root / "logs"),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "oms_test.settings",
    }
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    for step in (("migrate", "--noinput"), ("shell", "-c", SETUP)):
        done = manage(*step, env=env, timeout=600)
        if done.returncode:
            sys.stderr.write(done.stdout + done.stderr)
            return 1
    rounds = 8
    files = [
        write_xlsx(
            root / f"orders-{u}-{r}.xlsx",
            order_sheet(
                LINES, stores=["A001"], skus=SKUS, seed=u * 100 + r, prefix=f"L{u}R{r}-"
            ).rows,
        )
        for u in range(UPLOADERS)
        for r in range(rounds)
    ]
    port = free_port()
    web = subprocess.Popen(
        [
            str(BIN_DIR / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "oms_test.wsgi",
        ],
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
                first = _session(url)
                break
            except (OSError, AssertionError):
                time.sleep(0.2)
        _status, _h, body = first.upload(
            "/api/jobs/import/", {"kind": "order"}, files[0].name, files[0].read_bytes()
        )
        stats = Stats()
        stats.jobs.append(json.loads(body)["id"])
        job_path = f"/api/jobs/{stats.jobs[0]}/"
        sessions = [_session(url) for _ in range(POLLERS + UPLOADERS)]  # logged in before the clock
        stop = time.monotonic() + DURATION
        threads = [
            threading.Thread(target=poller, args=(sessions[p], job_path, stop, stats))
            for p in range(POLLERS)
        ]
        threads += [
            threading.Thread(
                target=uploader,
                args=(sessions[POLLERS + u], files[1 + u * rounds : (u + 1) * rounds], stop, stats),
            )
            for u in range(UPLOADERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes = _wait_for_jobs(first, stats.jobs)
    finally:
        worker.stop()
        web.terminate()
        web.wait(timeout=30)
    _print(stats, outcomes)
    return (
        0
        if not any(stats.errors.values()) and all(o == (LINES, 0) for o in outcomes.values())
        else 1
    )


def _wait_for_jobs(
    session: HttpSession, job_ids: list[int], timeout: float = 1800
) -> dict[int, tuple]:
    deadline = time.monotonic() + timeout
    outcomes: dict[int, tuple] = {}
    while len(outcomes) < len(job_ids) and time.monotonic() < deadline:
        for job_id in job_ids:
            if job_id in outcomes:
                continue
            job = json.loads(session.get(f"/api/jobs/{job_id}/")[2])
            if job["status"] not in ("queued", "running"):
                ok = job["status"] == "succeeded"
                outcomes[job_id] = (
                    (job["created"], job["failed"]) if ok else (job["status"], job["message"])
                )
        time.sleep(1)
    return outcomes


def _print(stats: Stats, outcomes: dict[int, tuple]) -> None:
    rows = [
        "| requests | count | errors | p50 ms | p99 ms | per second |",
        "|---|---|---|---|---|---|",
    ]
    for kind, label in (
        ("poll", "GET /api/jobs/<id>/ (50 clients)"),
        ("upload", "POST /api/jobs/import/ 10,000 lines (5 clients)"),
    ):
        values = stats.latency[kind]
        p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
        rate = len(values) / DURATION
        errors = stats.errors[kind]
        rows.append(f"| {label} | {len(values)} | {errors} | {p50:.0f} | {p99:.0f} | {rate:.1f} |")
    exact = sum(1 for outcome in outcomes.values() if outcome == (LINES, 0))
    rows.append("")
    rows.append(
        f"jobs: {len(outcomes)} uploaded, {exact} succeeded with exactly "
        f"{LINES:,} lines created and 0 rejected"
    )
    text = "\n".join(rows)
    print(text)
    (Path(__file__).parent / "results" / "load.md").write_text(
        f"# Load: gunicorn -w 2 + Celery worker, Redis + MariaDB, {DURATION:.0f} s\n\n{text}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
