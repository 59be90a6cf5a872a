from celery import shared_task
from celery_once import QueueOnce

from . import jobs


@shared_task(
    bind=True,
    base=QueueOnce,
    # The lock only covers the time in the queue (unlock_before_run); while the job runs,
    # the database claim is what keeps a second worker out.
    once={"keys": ["job_id"], "graceful": True, "unlock_before_run": True, "timeout": 15 * 60},
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def run_file_job(self, job_id: int) -> None:
    jobs.job_run(job_id=job_id, worker=self.request.hostname or "")
