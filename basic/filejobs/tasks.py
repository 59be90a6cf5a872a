"""The Celery tasks: thin, ids in, one service called (imported in the body, where the
services that send these tasks cannot be imported back at module level).

Each task keeps the name it was registered under before the engine became a package
(``basic.tasks.…``): messages already queued under that name still find their task.
"""

from celery import shared_task
from celery_once import QueueOnce
from django.conf import settings

from basic.filejobs.errors import DatabaseUnavailable, JobBusy


class QueueOnceUnlessUnsent(QueueOnce):
    """celery_once's QueueOnce, minus its lock when the message could not be sent.

    celery_once 3.0.1 takes the lock before publishing and keeps it if publishing fails
    (broker down): every later send of the same job would then be dropped as "already
    queued" until the lock expires. Releasing it lets the sweeper send the job at once.
    """

    def apply_async(self, args=None, kwargs=None, **options):
        try:
            return super().apply_async(args, kwargs, **options)
        except Exception:
            self.once_backend.clear_lock(self.get_key(args, kwargs))
            raise

    def forget_sent(self, job_id: int) -> None:
        """Drop the lock of a message the broker lost, so that the job can be sent again."""
        self.once_backend.clear_lock(self.get_key([job_id], {}))


@shared_task(
    name="basic.tasks.run_file_job",
    bind=True,
    base=QueueOnceUnlessUnsent,
    # The lock only covers the time in the queue (unlock_before_run), and expires before
    # the sweeper would send a lost message again; while the job runs, the database
    # claim is what keeps a second worker out.
    once={"keys": ["job_id"], "graceful": True, "unlock_before_run": True, "timeout": 10 * 60},
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def job_run(self, job_id: int) -> None:
    from basic.filejobs import runner

    try:
        runner.job_run(job_id=job_id, worker=self.request.hostname or "")
    except JobBusy as exc:
        # A redelivered message whose job still beats elsewhere: come back when the job's
        # heartbeat would be stale, and claim it then.
        raise self.retry(
            exc=exc, countdown=settings.JOB_STALE_MINUTES * 60 + 5, max_retries=10
        ) from exc
    except DatabaseUnavailable as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in, max_retries=10) from exc


@shared_task(
    name="basic.tasks.run_import_part",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def part_run(self, part_id: int) -> None:
    """One part of a split import (``basic.filejobs.pipeline.parts``); claimed like a job."""
    from basic.filejobs import runner

    try:
        runner.part_run(part_id=part_id, worker=self.request.hostname or "")
    except DatabaseUnavailable as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in, max_retries=10) from exc


@shared_task(name="basic.tasks.sweep_jobs", ignore_result=True)
def jobs_sweep() -> dict:
    from basic.filejobs import sweeper

    return sweeper.jobs_sweep()


@shared_task(name="basic.tasks.purge_job_history", ignore_result=True)
def job_history_purge() -> int:
    from basic.filejobs import cleanup

    return cleanup.job_history_purge()
