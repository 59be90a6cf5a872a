"""How much one user may ask of the system (docs/OPERATIONS.md, "One user's share").

Jobs started per hour (``OMS_MAX_JOBS_PER_HOUR``) and bytes of uploads kept on the
server (``OMS_MAX_STORED_MB_PER_USER``), checked before a new job exists. Superusers have
no limits; 0 turns a limit off. A request answered with an existing job (the same file
or export while the first is still running) costs nothing.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from basic.filejobs.errors import RequestRefused
from basic.filejobs.models import FileJob

HOUR = timedelta(hours=1)
MB = 1024 * 1024


def owner_lock(user) -> None:
    """Lock the owner's row until the transaction ends: checks and creations of one
    user's jobs happen one at a time, so two requests cannot both take the last place."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def stored_upload_bytes(*, user) -> int:
    """Bytes of the user's uploads still kept (expired ones are gone from the job row)."""
    kept = FileJob.objects.filter(owner=user).exclude(upload_name="")
    return kept.aggregate(total=Sum("upload_size"))["total"] or 0


def quota_check(*, user, upload_bytes: int = 0) -> None:
    """Refuse (429) one more job of ``user``, with an upload of ``upload_bytes``, past a limit."""
    if user.is_superuser:
        return
    _check_jobs_per_hour(user)
    if upload_bytes and settings.MAX_STORED_MB_PER_USER:
        _check_stored_bytes(user, upload_bytes)


def _check_jobs_per_hour(user) -> None:
    limit = settings.MAX_JOBS_PER_HOUR
    if not limit:
        return
    now = timezone.now()
    recent = FileJob.objects.filter(owner=user, created_at__gt=now - HOUR).order_by("created_at")
    started = list(recent.values_list("created_at", flat=True)[:limit])
    if len(started) < limit:
        return
    wait = math.ceil((started[0] + HOUR - now).total_seconds())
    minutes = max(1, math.ceil(wait / 60))
    message = ngettext(
        "You have started %(limit)s jobs in the last hour, the most one user may. "
        "Try again in %(minutes)s minute.",
        "You have started %(limit)s jobs in the last hour, the most one user may. "
        "Try again in %(minutes)s minutes.",
        minutes,
    ) % {"limit": limit, "minutes": minutes}
    raise RequestRefused(429, "too_many_jobs", message, retry_after=max(1, wait))


def _check_stored_bytes(user, upload_bytes: int) -> None:
    limit = settings.MAX_STORED_MB_PER_USER
    kept = stored_upload_bytes(user=user)
    if kept + upload_bytes <= limit * MB:
        return
    message = _(
        "Your files kept on the server (%(kept)s MB) and this one (%(size)s MB) would pass "
        "your limit of %(limit)s MB. Uploads are deleted %(days)s days after their job ends."
    ) % {
        "kept": math.ceil(kept / MB),
        "size": math.ceil(upload_bytes / MB),
        "limit": limit,
        "days": settings.UPLOAD_TTL_DAYS,
    }
    raise RequestRefused(429, "storage_quota", message)
