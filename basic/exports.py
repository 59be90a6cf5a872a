"""Asking for an export: checked, de-duplicated, queued."""

import hashlib
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from .exporter import FORMATS, listed_queryset, too_many_for_xls
from .job_errors import JobRefused
from .jobs import ACTIVE, job_enqueue_on_commit
from .models import FileJob, JobDirection
from .uploads import RequestRefused, check_kind


def fingerprint(*, kind: str, file_format: str, filters: dict, ids: list | None) -> str:
    request = {
        "kind": kind,
        "format": file_format,
        "filters": filters,
        "ids": sorted(ids) if ids else None,
    }
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def export_job_create(
    *,
    user,
    kind: str,
    file_format: str = "xlsx",
    filters: dict | None = None,
    ids: list | None = None,
    language: str = "zh-hans",
) -> tuple[FileJob, bool]:
    """Queue an export of what ``user`` sees of ``kind``; returns (job, created).

    An identical request (same user, kind, filters, selection and format) while the first
    is queued or running returns the first job. The owner's row is locked for the check,
    so two simultaneous requests cannot both create one.
    """
    spec = check_kind(user=user, kind=kind, permissions_attr="export_permissions")
    if file_format not in FORMATS:
        raise RequestRefused(
            400, "bad_format", _("Unknown format “%(format)s”.") % {"format": file_format}
        )
    filters = {str(k): v for k, v in (filters or {}).items()}
    try:
        listed = listed_queryset(spec=spec, user=user, filters=filters, ids=ids)
        if file_format == "xls":
            rows = spec.export_count(listed)
            if rows > settings.XLS_MAX_ROWS:
                raise RequestRefused(400, "too_many_rows_for_xls", too_many_for_xls(rows))
    except JobRefused as refused:
        raise RequestRefused(400, "bad_filters", str(refused)) from refused
    digest = fingerprint(kind=kind, file_format=file_format, filters=filters, ids=ids)
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        running = FileJob.objects.filter(
            owner=user, direction=JobDirection.EXPORT, fingerprint=digest, status__in=ACTIVE
        ).first()
        if running:
            return running, False
        job = FileJob.objects.create(
            kind=kind,
            direction=JobDirection.EXPORT,
            file_format=file_format,
            owner=user,
            language=language,
            fingerprint=digest,
            options={"filters": filters, "ids": ids},
        )
        job_enqueue_on_commit(job)
    return job, True
