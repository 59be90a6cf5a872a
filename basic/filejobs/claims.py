"""A worker's claim on a job or on one part of a split import.

Claiming a job (or part) adds one to its ``attempts``; the number it reached is the
claim's token. Every write of a run (each chunk's transaction, the counters and resume
point, the parts of a split, the error report, the end of the job, the heartbeat) goes
through ``Claim``, which makes it conditional on that token: a worker that was taken for
dead (frozen, cut off) and wakes up after another one took its job over stops at its
next write and rolls that write back, whatever the path.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from basic.filejobs.errors import JobCancelled, JobTakenOver, RunStopped
from basic.filejobs.models import FileJob, ImportPart, JobStatus, PartStatus

# A job (or part) is run at most this many times by the workers on their own: one whose
# worker died this often (killed at its memory cap or time limit, or by anything else)
# is failed instead of being given to the next worker it would kill too.
MAX_ATTEMPTS = 2


def stale_before():
    """A heartbeat older than this is a dead (or frozen) worker's."""
    return timezone.now() - timedelta(minutes=settings.JOB_STALE_MINUTES)


def lost_its_worker(**more) -> Q:
    """Running jobs whose heartbeat stopped: their worker died (or froze). A split job
    with parts to run is not one of them: it lives in its parts, its own heartbeat
    stops while they wait in the queue."""
    return Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before(), **more) & (
        Q(parts_left__isnull=True) | Q(parts_left=0)
    )


@dataclass(frozen=True)
class Claim:
    job_id: int
    attempt: int  # the job's attempts when this run claimed it (or its part was claimed)
    part_id: int | None = None
    part_attempt: int = 0

    @classmethod
    def of_job(cls, job: FileJob) -> "Claim":
        return cls(job.pk, job.attempts)

    @classmethod
    def of_part(cls, part: ImportPart) -> "Claim":
        return cls(part.job_id, part.job.attempts, part.pk, part.attempts)

    def of_its_job(self) -> "Claim":
        """The claim on the job alone: what the part that ends a split job ends it with."""
        return Claim(self.job_id, self.attempt)

    def job_rows(self) -> QuerySet:
        """The job's row while this claim holds it: empty once the job was cancelled,
        ended, or claimed again by another worker."""
        return FileJob.objects.filter(
            pk=self.job_id, status=JobStatus.RUNNING, attempts=self.attempt
        )

    def part_rows(self) -> QuerySet:
        return ImportPart.objects.filter(
            pk=self.part_id, status=PartStatus.RUNNING, attempts=self.part_attempt
        )

    def hold(self) -> None:
        """First statement of a write transaction: lock the row this run writes for
        (the job's, or its part's) if the claim still holds, else raise ``RunStopped``.

        Taking the lock first keeps a stale run from writing any row before it learns
        that it lost its claim, and makes it wait for the live run's chunk to commit.
        """
        now = timezone.now()
        if self.part_id is None:
            held = self.job_rows().update(heartbeat_at=now)
        else:
            held = self.part_rows().update(heartbeat_at=now) and self.job_rows().exists()
        if not held:
            raise self.lost()

    def check(self) -> None:
        """Outside a transaction: raise ``RunStopped`` if the claim no longer holds."""
        if not self.job_rows().exists() or (
            self.part_id is not None and not self.part_rows().exists()
        ):
            raise self.lost()

    def beat(self) -> bool:
        """The heartbeat: False once the claim is lost (then there is nothing to beat for)."""
        now = timezone.now()
        alive = bool(self.job_rows().update(heartbeat_at=now))
        if self.part_id is not None:
            alive = bool(self.part_rows().update(heartbeat_at=now)) and alive
        return alive

    def lost(self) -> RunStopped:
        """Why the claim no longer holds: taken over by another worker (or re-queued for
        one, this run's worker having looked dead), or cancelled."""
        if self.part_id is not None:
            part = ImportPart.objects.filter(pk=self.part_id).values("status", "attempts").first()
            if part and part["attempts"] != self.part_attempt:
                return JobTakenOver(f"part {self.part_id} attempt {part['attempts']}")
        job = FileJob.objects.filter(pk=self.job_id).values("status", "attempts", "worker").first()
        if job and (job["attempts"] != self.attempt or job["status"] == JobStatus.QUEUED):
            return JobTakenOver(f"job {self.job_id} attempt {job['attempts']} on {job['worker']}")
        return JobCancelled()
