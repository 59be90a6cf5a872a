from celery import shared_task
from celery_once import QueueOnce
from django.conf import settings

from . import jobs


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
def run_file_job(self, job_id: int) -> None:
    try:
        jobs.job_run(job_id=job_id, worker=self.request.hostname or "")
    except jobs.JobBusy as exc:
        # A redelivered message whose job still beats elsewhere: come back when the job's
        # heartbeat would be stale, and claim it then.
        raise self.retry(
            exc=exc, countdown=settings.JOB_STALE_MINUTES * 60 + 5, max_retries=10
        ) from exc
    except jobs.DatabaseUnavailable as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in, max_retries=10) from exc


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import_part(self, part_id: int) -> None:
    """One part of a split import (``basic.import_parts``); claimed like a job."""
    from .import_parts import part_run

    try:
        part_run(part_id=part_id, worker=self.request.hostname or "")
    except jobs.DatabaseUnavailable as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in, max_retries=10) from exc


@shared_task(ignore_result=True)
def sweep_jobs() -> dict:
    from .sweeper import jobs_sweep

    return jobs_sweep()


@shared_task(ignore_result=True)
def purge_job_history() -> int:
    from .cleanup import job_history_purge

    return job_history_purge()
