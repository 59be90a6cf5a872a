"""Who may see which jobs: their owner, and superusers."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from basic.filejobs.models import FileJob


def job_list(*, user, status: str = "", kind: str = "", direction: str = "") -> QuerySet[FileJob]:
    jobs = FileJob.objects.select_related("owner")
    if not user.is_superuser:
        jobs = jobs.filter(owner=user)
    filters = {"status": status, "kind": kind, "direction": direction}
    return jobs.filter(**{name: value for name, value in filters.items() if value})


def job_get(*, user, job_id: int) -> FileJob:
    """The job, or 404 for everyone but its owner and superusers (existence never leaks)."""
    return get_object_or_404(job_list(user=user), pk=job_id)
