"""The cases: what runs, at which size, how often, on which database."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import data
from bench.procs import (
    BenchError,
    Database,
    django_run,
    measured_run,
    reset,
    sqlite_snapshot,
    worker_job,
)
from bench.report import Result
from bench.web import run_web

HUGE_TIMEOUT_SECONDS = 420.0  # a 1M export or 500k import still running then is cancelled
REPEAT_BELOW_SECONDS = 15.0  # a run under this: median of 3 (keeps the full bench < 15 min)
MB = 1024 * 1024
DIE_MISSING = "django-import-export not installed (pip install -r requirements-bench.txt)"


@dataclass(frozen=True)
class Sizes:
    orders_small: int | None  # xlsx, for the RSS growth line
    orders: int  # xlsx and csv
    orders_xls: int
    orders_huge: int | None  # xlsx, one run
    orders_split: int | None  # xlsx: one task, then parts on one and on two worker processes
    products: int
    export_xls: int
    export: int  # xlsx, csv, django-import-export
    export_huge: int | None  # xlsx, one run
    uploads: tuple[int, int]  # bytes: small, big
    upload_tries: int
    poll_seconds: float
    max_runs: int


FULL = Sizes(
    orders_small=10_000, orders=100_000, orders_xls=60_000, orders_huge=500_000,
    orders_split=200_000,
    products=100_000, export_xls=60_000, export=100_000, export_huge=1_000_000,
    uploads=(1 * MB, 20 * MB), upload_tries=3, poll_seconds=5.0, max_runs=3,
)  # fmt: skip
QUICK = Sizes(
    orders_small=None, orders=2_000, orders_xls=2_000, orders_huge=None, orders_split=None,
    products=2_000, export_xls=10_000, export=10_000, export_huge=None,
    uploads=(100 * 1024, 2 * MB), upload_tries=1, poll_seconds=2.0, max_runs=1,
)  # fmt: skip


def die_installed() -> bool:
    return importlib.util.find_spec("import_export") is not None


@dataclass
class Bench:
    """What every case needs: the sizes and where to say what is happening."""

    sizes: Sizes
    progress: Callable[[str], None]
    failures: int = 0
    only: tuple[str, ...] = ()  # run only the cases whose key contains one of these

    def repeated(self, label: str, run: Callable[[], dict[str, Any]], single: bool) -> list[dict]:
        """One run; more (up to ``max_runs``) while a run takes under 20 s."""
        runs = [run()]
        self.progress(f"  {label}: {_said(runs[-1])}")
        while (
            not single
            and len(runs) < self.sizes.max_runs
            and runs[0]["seconds"] < REPEAT_BELOW_SECONDS
        ):
            runs.append(run())
            self.progress(f"  {label}: {_said(runs[-1])}")
        return runs

    def case(
        self,
        key: str,
        label: str,
        db: str,
        run: Callable[[], dict[str, Any]],
        *,
        single: bool = False,
        target: str = "",
    ) -> Result:
        if self.only and not any(part in key for part in self.only):
            return Result(key, label, db, skipped="not selected (--only)")
        try:
            runs = self.repeated(f"[{db}] {label}", run, single)
        except (BenchError, OSError, ValueError) as exc:
            self.failures += 1
            self.progress(f"  [{db}] {label} FAILED: {exc}")
            return Result(key, label, db, skipped=f"FAILED ({str(exc).splitlines()[0][:80]})")
        note = "one run (large case)" if single else ""
        if len(runs) == 1 and not single and self.sizes.max_runs > 1:
            note = f"one run (over {REPEAT_BELOW_SECONDS:.0f} s)"
        late = [r for r in runs if r["status"] == "timeout"] if "status" in runs[0] else []
        if late:
            note = (
                f"TIMED OUT: cancelled after {late[0]['seconds']:.0f} s with "
                f"{late[0]['rows']:,} of {late[0]['total']:,} rows done (rows/s so far)"
            )
        idles = [r["idle_mb"] for r in runs if r.get("idle_mb") is not None]
        return Result(
            key=key,
            case=label,
            database=db,
            rows=runs[0]["rows"],
            seconds=[r["seconds"] for r in runs],
            walls=[r["wall"] for r in runs],
            peak_mb=max(r["peak_mb"] for r in runs),
            idle_mb=min(idles) if idles else None,
            peak_rss_mb=max((r["peak_rss_mb"] for r in runs if "peak_rss_mb" in r), default=None),
            worker_cpu=runs[0].get("worker_cpu"),
            database_cpu=runs[0].get("database_cpu"),
            target=target,
            note=note,
        )


def _said(run: dict) -> str:
    return f"{run['rows']:,} rows in {run['seconds']:.2f} s, peak {run.get('peak_mb', 0):.0f} MB"


def _size(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size / 1024:g} KB"


def _n(count: int) -> str:
    return f"{count:,}"


def prepare_files(sizes: Sizes) -> dict[str, Path]:
    """Generate (or reuse) every input file."""
    files = {
        "orders-xlsx": data.order_file(sizes.orders, "xlsx"),
        "orders-csv": data.order_file(sizes.orders, "csv"),
        "orders-xls": data.order_file(sizes.orders_xls, "xls"),
        "products": data.product_file(sizes.products),
    }
    if sizes.orders_small:
        files["orders-xlsx-small"] = data.order_file(sizes.orders_small, "xlsx")
    if sizes.orders_huge:
        files["orders-xlsx-huge"] = data.order_file(sizes.orders_huge, "xlsx")
    if sizes.orders_split:
        files["orders-xlsx-split"] = data.order_file(sizes.orders_split, "xlsx")
    return files


def setup_database(db: Database) -> None:
    """Migrate and seed once; on SQLite keep a template copy that every run starts from."""
    (db.root / "var").mkdir(parents=True, exist_ok=True)
    answer = django_run(db, "bench.dbtool", "setup")
    db.version = answer.get("version", "")
    if db.is_sqlite:
        sqlite_snapshot(db.sqlite_path, db.template)


def raw_read_cases(bench: Bench, db: Database, files: dict[str, Path]) -> list[Result]:
    """Each reader on the product file and on the order file (mostly text cells)."""
    readers = [
        ("ours", "our reader"),
        ("previous", "the previous reader (byte patterns)"),
        ("calamine", "bare python-calamine"),
        ("openpyxl", "openpyxl read-only"),
    ]
    inputs = [("products", files["products"], bench.sizes.products),
              ("orders", files["orders-xlsx"], bench.sizes.orders)]  # fmt: skip

    def read(key: str, path: Path) -> Callable[[], dict[str, Any]]:
        return lambda: measured_run(db, "bench.baseline", f"read-{key}", str(path))

    return [
        bench.case(
            f"raw-read-{key}" + ("" if label == "products" else f"-{label}"),
            f"raw read: {label} xlsx, {name} ({_n(size)})", "-", read(key, path),
        )
        for label, path, size in inputs
        for key, name in readers
    ]  # fmt: skip


def _import(
    db: Database, kind: str, path: Path, timeout: float = 1800
) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        reset(db)
        return worker_job(db, "import", kind, str(path), timeout=timeout)

    return run


def import_cases(bench: Bench, db: Database, files: dict[str, Path]) -> list[Result]:
    s = bench.sizes
    plan = [
        ("import-orders-xlsx-small", f"import orders xlsx {_n(s.orders_small or 0)}",
         files.get("orders-xlsx-small"), False, ""),
        ("import-orders-xlsx", f"import orders xlsx {_n(s.orders)}", files["orders-xlsx"], False,
         "≥ 8,000 lines/s, < 300 MB (SQLite)"),
        ("import-orders-csv", f"import orders csv {_n(s.orders)}", files["orders-csv"], False, ""),
        ("import-orders-xls", f"import orders xls {_n(s.orders_xls)}", files["orders-xls"], False,
         ""),
        ("import-orders-xlsx-huge", f"import orders xlsx {_n(s.orders_huge or 0)}",
         files.get("orders-xlsx-huge"), True, ""),
    ]  # fmt: skip
    return [
        bench.case(
            key,
            label,
            db.name,
            _import(db, "order", path, HUGE_TIMEOUT_SECONDS if single else 1800),
            single=single,
            target=target,
        )
        for key, label, path, single, target in plan
        if path is not None
    ]


def split_cases(bench: Bench, db: Database, files: dict[str, Path]) -> list[Result]:
    """The same big order file as one task, then cut into parts run by one worker
    process and by two (``--concurrency``): what a second process adds."""
    path = files.get("orders-xlsx-split")
    if path is None:
        return []
    n = _n(bench.sizes.orders_split or 0)

    def run(concurrency: int, **env: str) -> Callable[[], dict[str, Any]]:
        def one() -> dict[str, Any]:
            reset(db)
            return worker_job(db, "import", "order", str(path), concurrency=concurrency, **env)

        return one

    return [
        bench.case("import-split-one-task", f"import orders xlsx {n} as one task, 1 process",
                   db.name, run(1, OMS_IMPORT_SPLIT_ROWS=str(10**9))),
        bench.case("import-split-1", f"import orders xlsx {n} in parts, 1 worker process",
                   db.name, run(1)),
        bench.case("import-split-2", f"import orders xlsx {n} in parts, 2 worker processes",
                   db.name, run(2), target="≥ 1.3× one process"),
    ]  # fmt: skip


def product_cases(bench: Bench, db: Database, files: dict[str, Path]) -> list[Result]:
    path, n = files["products"], _n(bench.sizes.products)

    def baseline(case: str) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            reset(db)
            return measured_run(db, "bench.baseline", case, str(path))

        return run

    results = [
        bench.case("import-products", f"import products xlsx {n}", db.name,
                   _import(db, "product", path),
                   target="≥ 4× django-import-export bulk, ≥ 70% of raw limit"),
        bench.case("raw-insert", f"raw limit: bulk_create only ({n})", db.name,
                   baseline("insert")),
        bench.case("raw-read-insert", f"raw limit: read + convert + bulk_create ({n})", db.name,
                   baseline("read-insert")),
        bench.case("raw-executemany", f"raw insert: cursor.executemany, no ORM ({n})", db.name,
                   baseline("executemany"), single=True, target="headroom of a raw fast path"),
    ]  # fmt: skip
    for key, label in (
        ("die-import-bulk", f"django-import-export import products bulk {n}"),
        ("die-import", f"django-import-export import products default {n}"),
    ):
        if die_installed():
            results.append(bench.case(key, label, db.name, baseline(key)))
        else:
            results.append(Result(key, label, db.name, skipped=DIE_MISSING))
    return results


def web_cases(bench: Bench, db: Database) -> list[Result]:
    s = bench.sizes
    bodies = {
        size: [data.upload_body(size, index * 100 + attempt) for attempt in range(s.upload_tries)]
        for index, size in enumerate(s.uploads)
    }
    reset(db)
    label = {size: f"POST /api/jobs/import/ {_size(size)} csv → 202" for size in s.uploads}
    try:
        web = run_web(db, bodies, s.poll_seconds)
    except (BenchError, OSError, ValueError) as exc:
        bench.failures += 1
        bench.progress(f"  [{db.name}] web FAILED: {exc}")
        return [Result("web-upload-small", "web", db.name, skipped=f"FAILED ({exc})")]
    results = []
    for key, size in zip(("web-upload-small", "web-upload-big"), s.uploads, strict=True):
        times = web.uploads[size]
        result = Result(key, label[size], db.name, seconds=times, walls=times)
        result.peak_mb, result.target = web.server_peak_mb, "independent of size"
        results.append(result)
    polls = Result(
        "web-polls",
        f"GET /api/jobs/<id>/ polls, {web.poll_threads} threads, {web.poll_seconds:.0f} s",
        db.name,
        rows=web.polls,
        seconds=[web.poll_seconds],
        walls=[web.poll_seconds],
        peak_mb=web.server_peak_mb,
        note="rows/s = polls per second; memory: runserver",
    )
    bench.progress(f"  [{db.name}] web: uploads {web.uploads}, {web.polls} polls")
    return [*results, polls]


def export_cases(bench: Bench, db: Database, work: Path) -> list[Result]:
    s = bench.sizes

    def export(fmt: str, timeout: float = 1800) -> Callable[[], dict[str, Any]]:
        return lambda: worker_job(db, "export", "order", fmt, timeout=timeout)

    reset(db)
    django_run(db, "bench.dbtool", "add-lines", str(s.export_xls))
    results = [bench.case("export-xls", f"export orders xls {_n(s.export_xls)}", db.name,
                          export("xls"), target="memory per 100k rows")]  # fmt: skip
    django_run(db, "bench.dbtool", "add-lines", str(s.export))
    results += [
        bench.case("export-xlsx", f"export orders xlsx {_n(s.export)}", db.name, export("xlsx"),
                   target="≥ 8,000 lines/s, ≥ 3× django-import-export"),
        bench.case("export-csv", f"export orders csv {_n(s.export)}", db.name, export("csv")),
    ]  # fmt: skip
    label = f"django-import-export export xlsx {_n(s.export)}"
    if die_installed():
        output = str(work / "die-export.xlsx")
        run = lambda: measured_run(db, "bench.baseline", "die-export", output)  # noqa: E731
        results.append(bench.case("die-export", label, db.name, run))
    else:
        results.append(Result("die-export", label, db.name, skipped=DIE_MISSING))
    if s.export_huge:
        django_run(db, "bench.dbtool", "add-lines", str(s.export_huge))
        results.append(
            bench.case("export-xlsx-huge", f"export orders xlsx {_n(s.export_huge)}", db.name,
                       export("xlsx", HUGE_TIMEOUT_SECONDS), single=True,
                       target="peak memory < 150 MB")
        )  # fmt: skip
    return results
