"""``python -m bench [--quick] [--mysql URL]``: run the cases, print the table, save it.

The full bench writes ``bench/results/latest.md``; ``--quick`` (small sizes, one run each)
only prints, unless ``--output`` names a file. MariaDB/MySQL runs too when ``--mysql`` or
``OMS_BENCH_MYSQL_URL`` names a database that belongs to the bench (its tables are emptied).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import cases, report
from bench.procs import Database


def _progress(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def run(
    *,
    quick: bool,
    mysql_url: str,
    output: Path | None,
    keep: bool,
    sqlite: bool,
    only: tuple[str, ...] = (),
) -> int:
    started = time.monotonic()
    sizes = cases.QUICK if quick else cases.FULL
    bench = cases.Bench(sizes=sizes, progress=_progress, only=only)
    _progress("generating (or reusing) the input files under bench/data/ ...")
    files = cases.prepare_files(sizes)
    root = Path(tempfile.mkdtemp(prefix="oms-bench-"))
    sqlite_url = f"sqlite:///{root / 'sqlite' / 'var' / 'oms.sqlite3'}"
    databases = [Database("sqlite", sqlite_url, root / "sqlite")] if sqlite else []
    if mysql_url:
        databases.append(Database("mariadb", mysql_url, root / "mariadb"))
    results: list[report.Result] = []
    try:
        for db in databases:
            _progress(f"[{db.name}] migrating and seeding ...")
            cases.setup_database(db)
            if not results:
                results += cases.raw_read_cases(bench, db, files)
            _progress(f"[{db.name}] imports ...")
            results += cases.import_cases(bench, db, files)
            results += cases.split_cases(bench, db, files)
            results += cases.product_cases(bench, db, files)
            _progress(f"[{db.name}] web ...")
            results += cases.web_cases(bench, db)
            _progress(f"[{db.name}] exports ...")
            results += cases.export_cases(bench, db, root)
    finally:
        if keep:
            _progress(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    mode = "quick (small sizes, one run each)" if quick else "full"
    text = report.render(
        results, {db.name: db.version for db in databases}, mode, time.monotonic() - started
    )
    sys.stdout.write(text)
    sys.stdout.flush()
    if output is None and not quick and not only:
        output = report.RESULTS_DIR / "latest.md"
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        _progress(f"written to {output}")
    if bench.failures:
        _progress(f"{bench.failures} case(s) failed")
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument(
        "--mysql",
        default=os.environ.get("OMS_BENCH_MYSQL_URL", ""),
        help="mysql://user@host:port/NAME of a database the bench may empty "
        "(default: $OMS_BENCH_MYSQL_URL)",
    )
    parser.add_argument("--output", type=Path, help="also write the table here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--no-sqlite", action="store_true", help="MySQL/MariaDB only")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PART",
        help="run only the cases whose key contains PART (repeatable; prints only), "
        "e.g. --only import-products --only die-import-bulk",
    )
    args = parser.parse_args()
    if args.no_sqlite and not args.mysql:
        parser.error("--no-sqlite needs --mysql or OMS_BENCH_MYSQL_URL")
    options = {
        "mysql_url": args.mysql,
        "output": args.output,
        "keep": args.keep,
        "only": tuple(args.only),
    }
    sys.exit(run(quick=args.quick, sqlite=not args.no_sqlite, **options))


if __name__ == "__main__":
    main()
