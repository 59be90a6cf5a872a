from basic.filejobs.models import JobStatus
from basic.filejobs.selectors import job_list


def running_jobs(request) -> dict:
    """How many of the user's jobs are queued or running, for the header of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    active = job_list(user=user).filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
    return {"oms_active_jobs": active.count()}
