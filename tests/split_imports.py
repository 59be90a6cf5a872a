"""A split import whose worker is killed in the middle of a part: what is recorded at the
kill, and what must hold once another worker has finished the job (the Redis and the
RabbitMQ tests share it)."""

import time
from dataclasses import dataclass

from basic.filejobs.models import FileJob, ImportPart, JobStatus, PartStatus
from store.models import Order, OrderItem
from tests.job_helpers import import_outcome


def done_parts(job_id: int, numbers=None) -> dict:
    parts = FileJob.objects.get(pk=job_id).parts.filter(status=PartStatus.DONE)
    if numbers is not None:
        parts = parts.filter(number__in=numbers)
    return {
        number: (attempts, finished)
        for number, attempts, finished in parts.values_list("number", "attempts", "finished_at")
    }


def wait_until_parts_done_and_running_on(
    job_id: int, worker: str, parts_done: int, timeout: float = 600
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = FileJob.objects.get(pk=job_id)
        assert job.status == JobStatus.RUNNING, job.message
        done = job.parts.filter(status=PartStatus.DONE).count()
        running = job.parts.filter(status=PartStatus.RUNNING, worker__startswith=worker)
        if done >= parts_done and running:
            return
        time.sleep(0.05)
    raise TimeoutError(
        f"job {job_id} never had {parts_done} parts done and one running on {worker}"
    )


@dataclass
class AtTheKill:
    """The database right after the worker ``doomed`` was killed running a part."""

    job_id: int
    killed: ImportPart
    orders: set
    lines: set
    done: dict

    @classmethod
    def record(cls, job_id: int, doomed: str) -> "AtTheKill":
        killed = FileJob.objects.get(pk=job_id).parts.get(
            status=PartStatus.RUNNING, worker__startswith=f"{doomed}@"
        )
        return cls(
            job_id,
            killed,
            set(Order.objects.values_list("pk", "created_at", "updated_at")),
            set(OrderItem.objects.values_list("pk", "order_id")),
            done_parts(job_id),
        )

    def assert_finished_by(self, survivor: str, job: FileJob, expected, parts_done: int) -> None:
        assert import_outcome(job) == expected  # no line lost, none twice
        # what was committed before the kill stayed as it was written the first time
        assert self.orders <= set(Order.objects.values_list("pk", "created_at", "updated_at"))
        assert self.lines <= set(OrderItem.objects.values_list("pk", "order_id"))
        assert len(self.done) >= parts_done
        assert done_parts(self.job_id, numbers=self.done) == self.done
        self.killed.refresh_from_db()
        assert self.killed.status == PartStatus.DONE and self.killed.attempts == 2
        assert self.killed.worker.startswith(f"{survivor}@")
