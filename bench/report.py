"""The results table (markdown), the targets, and ``bench/results/latest.md``."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import median

RESULTS_DIR = Path(__file__).resolve().parent / "results"
HEADER = (
    "| case | database | rows | seconds | runs | wall s | rows/s | peak MB | idle MB "
    "| peak RSS sum MB | ours / django-import-export | ours / raw limit | target |"
)
LIBRARIES = ["Django", "celery", "kombu", "XlsxWriter", "xlwt", "xlrd", "python-calamine",
             "openpyxl", "PyMySQL", "django-import-export", "tablib"]  # fmt: skip


@dataclass
class Result:
    key: str  # what the ratios and targets look for, e.g. "import-products"
    case: str  # the label shown
    database: str
    rows: int = 0
    seconds: list[float] = field(default_factory=list)  # per run
    walls: list[float] = field(default_factory=list)
    peak_mb: float | None = None  # highest over the runs (PSS of a worker tree)
    idle_mb: float | None = None
    peak_rss_mb: float | None = None  # worker trees: the RSS of its processes summed
    worker_cpu: float | None = None  # CPU seconds of the worker processes (first run)
    database_cpu: float | None = None  # CPU seconds of the local MariaDB server (first run)
    target: str = ""
    note: str = ""
    skipped: str = ""  # why the case did not run

    @property
    def median_seconds(self) -> float:
        return median(self.seconds)

    @property
    def rate(self) -> float:
        return self.rows / self.median_seconds if self.seconds else 0.0


def find(results: list[Result], key: str, database: str) -> Result | None:
    for result in results:
        if result.key == key and result.database == database and not result.skipped:
            return result
    return None


# Which ratios each row shows: key → (django-import-export key(s), raw-limit key).
RATIOS = {
    "import-products": (("die-import-bulk", "die-import"), "raw-read-insert"),
    "export-xlsx": (("die-export",), None),
}


SHORT = {"die-import-bulk": "bulk", "die-import": "default", "die-export": "export"}


def _ratio(ours: Result, others: list[Result | None], percent: bool = False) -> str:
    parts = []
    for other in others:
        if other is None or not other.rate:
            continue
        value = ours.rate / other.rate
        text = f"{value:.0%}" if percent else f"{value:.1f}×"
        parts.append(text if percent else f"{text} vs {SHORT.get(other.key, other.key)}")
    return ", ".join(parts) or "-"


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(results: list[Result]) -> str:
    lines = [HEADER, _rule()]
    for r in results:
        if r.skipped:
            lines.append(
                f"| {r.case} | {r.database} | - | - | 0 | - | - | - | - | - | - | - | "
                f"skipped: {r.skipped} |"
            )
            continue
        die, raw = RATIOS.get(r.key, ((), None))
        die_text = _ratio(r, [find(results, k, r.database) for k in die]) if die else ""
        raw_text = _ratio(r, [find(results, raw, r.database)], percent=True) if raw else ""
        target = "; ".join(t for t in (r.target, r.note) if t)
        rows, rate = (f"{r.rows:,}", f"{r.rate:,.0f}") if r.rows else ("-", "-")
        lines.append(
            f"| {r.case} | {r.database} | {rows} | {r.median_seconds:.2f} | {len(r.seconds)} "
            f"| {median(r.walls):.2f} | {rate} | {_number(r.peak_mb)} "
            f"| {_number(r.idle_mb)} | {_number(r.peak_rss_mb)} | {die_text} | {raw_text} "
            f"| {target} |"
        )
    return "\n".join(lines)


def _rule() -> str:
    return "|" + "---|" * (HEADER.count("|") - 1)


def _check(ok: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "not measured"}[ok]


def _reader_lines(results: list[Result]) -> list[str]:
    """The xlsx reader within 2× of the previous one's time, per input file."""
    lines = []
    for suffix, label in (("", "products"), ("-orders", "orders")):
        ours = find(results, f"raw-read-ours{suffix}", "-")
        previous = find(results, f"raw-read-previous{suffix}", "-")
        calamine = find(results, f"raw-read-calamine{suffix}", "-")
        if ours and previous:
            slower = previous.rate / ours.rate
            versus = f", calamine {calamine.rate:,.0f}" if calamine else ""
            lines.append(
                f"- [reader] {label} xlsx read within 2× of the previous reader's time: "
                f"{slower:.2f}× ({ours.rate:,.0f} vs {previous.rate:,.0f} rows/s{versus}; "
                f"peak {_number(ours.peak_mb)} vs {_number(previous.peak_mb)} MB) "
                f"→ {_check(slower <= 2)}"
            )
    return lines


def targets(results: list[Result], databases: list[str]) -> list[str]:
    """One line per target and database: measured value and met / NOT met (never asserted)."""
    lines = _reader_lines(results)
    for db in databases:
        imp = find(results, "import-orders-xlsx", db)
        if imp:
            ok = imp.rate >= 8000 and (imp.peak_mb or 0) < 300
            lines.append(
                f"- [{db}] import {imp.rows:,} order lines xlsx ≥ 8,000 lines/s and worker peak "
                f"memory < 300 MB: {imp.rate:,.0f} lines/s, {_number(imp.peak_mb)} MB "
                f"→ {_check(ok)}"
            )
        prod = find(results, "import-products", db)
        bulk = find(results, "die-import-bulk", db)
        raw = find(results, "raw-read-insert", db)
        if prod and bulk:
            ratio = prod.rate / bulk.rate
            lines.append(
                f"- [{db}] import products ≥ 4× django-import-export bulk mode: {ratio:.1f}× "
                f"({prod.rate:,.0f} vs {bulk.rate:,.0f} rows/s) → {_check(ratio >= 4)}"
            )
        if prod and raw:
            ratio = prod.rate / raw.rate
            lines.append(
                f"- [{db}] import products ≥ 70% of the raw limit (read + bulk_create): "
                f"{ratio:.0%} ({prod.rate:,.0f} vs {raw.rate:,.0f} rows/s) → {_check(ratio >= 0.7)}"
            )
        exp = find(results, "export-xlsx", db)
        die = find(results, "die-export", db)
        if exp:
            lines.append(
                f"- [{db}] export xlsx ≥ 8,000 lines/s: {exp.rate:,.0f} lines/s "
                f"({exp.rows:,} lines) → {_check(exp.rate >= 8000)}"
            )
        if exp and die:
            ratio = exp.rate / die.rate
            lines.append(
                f"- [{db}] export xlsx ≥ 3× django-import-export: {ratio:.1f}× "
                f"({exp.rate:,.0f} vs {die.rate:,.0f} rows/s) → {_check(ratio >= 3)}"
            )
        huge = find(results, "export-xlsx-huge", db)
        if huge:
            ok = (huge.peak_mb or 0) < 150
            lines.append(
                f"- [{db}] export xlsx worker peak memory < 150 MB at {huge.rows:,} rows: "
                f"{_number(huge.peak_mb)} MB (idle {_number(huge.idle_mb)}) → {_check(ok)}"
            )
        for key, what in (("export-xls", "export"), ("import-orders-xls", "import")):
            xls = find(results, key, db)
            if xls and xls.peak_mb is not None and xls.idle_mb is not None and xls.rows:
                per = (xls.peak_mb - xls.idle_mb) / xls.rows * 100_000
                lines.append(
                    f"- [{db}] xls {what} memory per 100,000 rows: {per:,.0f} MB above the idle "
                    f"worker ({xls.peak_mb:,.0f} MB peak for {xls.rows:,} rows)"
                )
        lines += _split_lines(results, db)
        small, big = find(results, "web-upload-small", db), find(results, "web-upload-big", db)
        if small and big:
            ratio = big.median_seconds / small.median_seconds
            lines.append(
                f"- [{db}] upload 202 time independent of file size: {small.case} "
                f"{small.median_seconds * 1000:,.0f} ms, {big.case} "
                f"{big.median_seconds * 1000:,.0f} ms ({ratio:.1f}×) → "
                f"{'flat' if ratio < 2 else 'grows with size'}"
            )
    return lines


def _split_lines(results: list[Result], db: str) -> list[str]:
    """Parts on two worker processes against one, and where the CPU time went."""
    one, two = find(results, "import-split-1", db), find(results, "import-split-2", db)
    if not (one and two):
        return []
    ratio = two.rate / one.rate
    lines = [
        f"- [{db}] import {two.rows:,} order lines in parts, 2 worker processes ≥ 1.3× one: "
        f"{ratio:.2f}× ({two.rate:,.0f} vs {one.rate:,.0f} lines/s) → {_check(ratio >= 1.3)}"
    ]
    task = find(results, "import-split-one-task", db)
    for r in (task, one, two):
        if r is None or r.worker_cpu is None:
            continue
        wall = r.median_seconds
        database = f", database server {r.database_cpu:,.1f} s" if r.database_cpu else ""
        busy = (r.worker_cpu + (r.database_cpu or 0)) / wall
        lines.append(
            f"  - {r.case}: {wall:,.1f} s; CPU: workers {r.worker_cpu:,.1f} s{database}; "
            f"{busy:.2f} of {os.cpu_count()} cores busy"
        )
    return lines


def growth(results: list[Result], databases: list[str]) -> list[str]:
    lines = ["| order lines (xlsx) | database | worker peak MB | idle MB | growth MB |",
             "|---|---|---|---|---|"]  # fmt: skip
    keys = ("import-orders-xlsx-small", "import-orders-xlsx", "import-orders-xlsx-huge")
    for db in databases:
        for key in keys:
            r = find(results, key, db)
            if r and r.peak_mb is not None and r.idle_mb is not None:
                lines.append(
                    f"| {r.rows:,} | {db} | {r.peak_mb:,.0f} | {r.idle_mb:,.0f} "
                    f"| {r.peak_mb - r.idle_mb:,.0f} |"
                )
    return lines


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    try:
        done_in = RESULTS_DIR.parent.parent
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=done_in, check=True)  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, cwd=done_in)  # fmt: skip
        return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def metadata(mode: str, databases: dict[str, str], total_seconds: float) -> list[str]:
    import os

    versions = ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
    dbs = "; ".join(f"{name}: {version}" for name, version in databases.items())
    return [
        f"- mode: {mode}; total bench time {total_seconds / 60:.1f} min",
        f"- commit: {_commit()}",
        f"- Python {platform.python_version()}; databases: {dbs}",
        f"- {versions}",
        f"- CPU: {_cpu()} × {os.cpu_count()}; {platform.platform()}",
    ]


NOTES = [
    "seconds: the job's own time, finished_at - created_at (creation, queue, worker, commit); "
    "median of the runs shown; wall s: from just before the job is created to its end seen "
    "by a client polling every 20 ms. A case whose first run takes 15 s or more runs once "
    "(so that the full bench stays under 15 minutes on 2 cores).",
    "peak MB: the memory of the worker process tree (celery main process + its prefork pool "
    "child) as the sum of their proportional set sizes (PSS), polled every 0.1 s: a page "
    "the child shares with the main process (what both loaded before the fork) counts once; "
    "peak RSS sum counts it twice. idle MB: the same tree ready and waiting, just before the "
    "job. For the raw and django-import-export rows: the one process that does the work, "
    "its peak RSS (high-water mark).",
    "Every run starts from the seeded database (10 stores, 3 warehouses, 3 carriers, 2,000 "
    "products) and a fresh process; imports create every row (no updates).",
]


def render(results: list[Result], databases: dict[str, str], mode: str, seconds: float) -> str:
    names = list(databases)
    parts = ["# OMS bench results", "", *metadata(mode, databases, seconds), "", table(results),
             "", "## Targets (reported, not asserted)", "", *targets(results, names), "",
             "## Worker peak memory by size (order import, xlsx)", "", *growth(results, names), "",
             "## How to read", "", *[f"- {note}" for note in NOTES], ""]  # fmt: skip
    return "\n".join(parts)


def write_latest(text: str, name: str = "latest.md") -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(text)
    return path
