"""Profile the worker side of one job: ``python -m bench.profile import order FILE``.

Sets up a fresh bench database (SQLite, or ``--mysql URL``) in a temporary folder, creates
the job as the bench does, then runs it in-process (``basic.filejobs.runner.job_run``, what the
Celery task calls) under cProfile, and prints the functions by own time and by cumulative time.
``python -m bench.profile export order xlsx --lines 100000`` profiles an export.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import cases
from bench.procs import BASE_DIR, PYTHON, Database, django_run


def child(direction: str, kind: str, target: str, limit: int, dump: str) -> None:
    from bench.django_side import USERNAME, setup

    setup()
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from basic.filejobs.requests import export_job_create, import_job_create
    from basic.filejobs.runner import job_run

    user = get_user_model().objects.get(username=USERNAME)
    if direction == "import":
        path = Path(target)
        with path.open("rb") as handle:
            job, _ = import_job_create(user=user, kind=kind, uploaded=File(handle, name=path.name))
    else:
        job, _ = export_job_create(user=user, kind=kind, file_format=target)
    profiler = cProfile.Profile()
    profiler.enable()
    job_run(job_id=job.pk, worker="profile")
    profiler.disable()
    job.refresh_from_db()
    out = io.StringIO()
    out.write(f"job {job.pk} {job.status}: {job.message}\n")
    out.write(
        f"{job.processed} rows in {(job.finished_at - job.started_at).total_seconds():.2f} s\n"
    )
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    if dump:
        stats.dump_stats(dump)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    sys.stdout.write(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("direction", choices=["import", "export"])
    parser.add_argument("kind")
    parser.add_argument("target", help="file to import, or export format")
    parser.add_argument("--lines", type=int, default=100_000, help="order lines for an export")
    parser.add_argument("--limit", type=int, default=35)
    parser.add_argument("--dump", default="", help="also write the pstats file here")
    parser.add_argument("--mysql", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.direction, args.kind, args.target, args.limit, args.dump)
        return
    root = Path(tempfile.mkdtemp(prefix="oms-bench-profile-"))
    try:
        url = args.mysql or f"sqlite:///{root / 'var' / 'oms.sqlite3'}"
        db = Database("mariadb" if args.mysql else "sqlite", url, root)
        cases.setup_database(db)
        if args.direction == "export":
            django_run(db, "bench.dbtool", "add-lines", str(args.lines))
        target = str(Path(args.target).resolve()) if args.direction == "import" else args.target
        command = [PYTHON, "-m", "bench.profile", args.direction, args.kind, target,
                   "--limit", str(args.limit), "--dump", args.dump, "--child"]  # fmt: skip
        subprocess.run(command, cwd=BASE_DIR, env=db.env(), check=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
