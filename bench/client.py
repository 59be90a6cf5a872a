"""Create one file job as the ``bench`` user and wait for a worker to end it.

``python -m bench.client import KIND PATH`` or ``python -m bench.client export KIND FORMAT``:
the job is created exactly as ``manage.py excel_import``/``excel_export`` create it (the
same service functions); a real worker, started by the driver, runs it. Prints the job's
counters, its own time (finished_at - created_at) and the wall time seen here (from just
before the job is created to the moment its end is seen, polled every 20 ms).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.django_side import USERNAME, emit, setup

POLL_SECONDS = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.client")
    parser.add_argument("direction", choices=["import", "export"])
    parser.add_argument("kind")
    parser.add_argument("target", help="file to import, or export format")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="then cancel the job and report how far it got"
    )
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from basic.filejobs.lifecycle import job_cancel
    from basic.filejobs.models import FileJob
    from basic.filejobs.requests import export_job_create, import_job_create

    user = get_user_model().objects.get(username=USERNAME)
    started = time.perf_counter()
    if args.direction == "import":
        path = Path(args.target)
        with path.open("rb") as handle:
            job, _created = import_job_create(
                user=user, kind=args.kind, uploaded=File(handle, name=path.name)
            )
    else:
        job, _created = export_job_create(user=user, kind=args.kind, file_format=args.target)
    deadline = started + args.timeout
    ended, timed_out = FileJob.ENDED, False
    while FileJob.objects.filter(pk=job.pk).values_list("status", flat=True)[0] not in ended:
        if time.perf_counter() > deadline:
            timed_out = job_cancel(job=job)  # the worker stops at its next batch or chunk
            break
        time.sleep(POLL_SECONDS)
    wall = time.perf_counter() - started
    job.refresh_from_db()
    emit(
        {
            "job": job.pk,
            "status": "timeout" if timed_out else job.status,
            "total": job.total,
            "message": job.message,
            "rows": job.processed,
            "created": job.created,
            "updated": job.updated,
            "failed": job.failed,
            "seconds": (job.finished_at - job.created_at).total_seconds(),
            "queue_seconds": (job.started_at - job.created_at).total_seconds(),
            "wall": wall,
        }
    )


if __name__ == "__main__":
    main()
