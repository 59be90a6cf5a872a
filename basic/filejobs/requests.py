"""Accepting a job: an upload (checked, stored under a generated name) or an export
request (checked, de-duplicated), each queued as one job under the owner's quota."""

import hashlib
import json
import re

from django.conf import settings
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
)
from django.db import transaction
from django.utils.translation import gettext as _
from loguru import logger

from basic.filejobs import job_files
from basic.filejobs.dispatch import job_enqueue_on_commit
from basic.filejobs.errors import JobRefused, RequestRefused
from basic.filejobs.lifecycle import ACTIVE
from basic.filejobs.models import FileJob, ImportMode, JobDirection, JobStatus
from basic.filejobs.pipeline.export import FORMATS, listed_queryset, too_many_for_xls
from basic.filejobs.pipeline.imports import previewed_counts
from basic.filejobs.quotas import owner_lock, quota_check
from basic.filejobs.sheets.specs import get_spec, user_may
from utils.excel_read import ENCODINGS, UnreadableFile, chosen_encoding, detect_format

SNIFF_BYTES = 64 * 1024


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def check_kind(*, user, kind: str, action: str):
    """The spec of `kind` if `user` may `action` ("import" or "export") it, else refused."""
    spec = get_spec(kind)
    if spec is None:
        raise RequestRefused(400, "unknown_kind", _("Unknown kind “%(kind)s”.") % {"kind": kind})
    if action == "export":
        allowed, refusal = spec.export_permissions, _("You are not allowed to export %(label)s.")
    else:
        allowed, refusal = spec.import_permissions, _("You are not allowed to import %(label)s.")
    if not user_may(user, allowed):
        raise RequestRefused(403, "forbidden", refusal % {"label": spec.label})
    return spec


def sniff(uploaded) -> str:
    """The format by content, whatever the name says."""
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    try:
        return detect_format(head)
    except UnreadableFile as exc:
        if exc.code == "empty":
            raise RequestRefused(400, "empty_file", _("The file is empty.")) from exc
        raise RequestRefused(
            415, "unsupported_type", _("Only Excel (.xls, .xlsx) and CSV files can be imported.")
        ) from exc


def check_encoding(name: str) -> str:
    """The csv encoding a user chose, as the reader names it ('' to detect it)."""
    if not name.strip():
        return ""
    try:
        codec = chosen_encoding(name)
    except ValueError as exc:
        raise RequestRefused(
            400,
            "unknown_encoding",
            _("Unknown encoding “%(encoding)s”: choose one of %(known)s.")
            % {"encoding": name[:40], "known": ", ".join(ENCODINGS)},
        ) from exc
    return codec.removesuffix("-sig")


def clean_file_name(name: str) -> str:
    """The user's file name for display only: no path, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "upload"


def import_job_create(
    *,
    user,
    kind: str,
    uploaded,
    mode: str = "",
    encoding: str = "",
    language: str = "zh-hans",
    quota: bool = True,
) -> tuple[FileJob, bool]:
    """Store ``uploaded`` and queue its import; returns (job, created).

    ``encoding`` (a name of ``utils.excel_read.ENCODINGS`` or an alias) reads a csv in
    that encoding instead of detecting it. The same file for the same kind, mode and
    encoding, uploaded again while its first job is queued or running, returns that job
    instead of starting another. Otherwise the user's quotas
    (``basic.filejobs.quotas``) must allow one more job and these bytes, unless ``quota`` is False
    (the ``excel_import`` command: whoever runs it runs the system).
    """
    check_kind(user=user, kind=kind, action="import")
    mode = mode or ImportMode.CREATE_OR_UPDATE
    if mode not in ImportMode.values:
        raise RequestRefused(400, "bad_mode", _("Unknown mode “%(mode)s”.") % {"mode": mode})
    encoding = check_encoding(encoding)
    if uploaded.size > max_upload_bytes():
        raise RequestRefused(
            413,
            "too_large",
            _("The file is larger than %(mb)s MB.") % {"mb": settings.MAX_UPLOAD_MB},
        )
    file_format = sniff(uploaded)
    digest = job_files.sha256_of(uploaded)
    same_encoding = (
        {"options__encoding": encoding} if encoding else {"options__encoding__isnull": True}
    )
    running = FileJob.objects.filter(
        owner=user,
        kind=kind,
        mode=mode,
        direction=JobDirection.IMPORT,
        fingerprint=digest,
        status__in=ACTIVE,
        **same_encoding,
    ).first()
    if running:
        return running, False
    if quota:
        quota_check(user=user, upload_bytes=uploaded.size)
    try:
        stored = job_files.save(job_files.new_name("upload", file_format), uploaded)
    except OSError as exc:
        logger.bind(concern="file").error("upload of {} by {} not stored: {}", kind, user.pk, exc)
        raise RequestRefused(
            507,
            "storage_unavailable",
            _("The file could not be stored (storage full or unavailable). Try again later."),
        ) from exc
    try:
        with transaction.atomic():
            if quota:  # again, under the owner's lock: two requests never take one last place
                owner_lock(user)
                quota_check(user=user, upload_bytes=uploaded.size)
            job = FileJob.objects.create(
                kind=kind,
                direction=JobDirection.IMPORT,
                mode=mode,
                file_format=file_format,
                owner=user,
                language=language,
                original_name=clean_file_name(uploaded.name or ""),
                upload_name=stored,
                fingerprint=digest,
                upload_size=uploaded.size,
                options={"encoding": encoding} if encoding else {},
            )
            job_enqueue_on_commit(job)
    except RequestRefused:
        job_files.delete(stored)
        raise
    return job, True


COMMIT_MODES = (ImportMode.CREATE_OR_UPDATE, ImportMode.CREATE_ONLY)


def import_committable(job: FileJob) -> bool:
    """A preview (a validate-only import that ended) whose upload is still kept."""
    return (
        job.direction == JobDirection.IMPORT
        and job.mode == ImportMode.VALIDATE_ONLY
        and job.status == JobStatus.SUCCEEDED
        and bool(job.upload_name)
        and bool(job.processed)
    )


def import_commit_create(
    *, user, preview: FileJob, mode: str = "", language: str = "zh-hans", quota: bool = True
) -> FileJob:
    """Import the rows of a preview for real, as a new job of its owner: the preview's
    stored upload moves to the new job (no second upload, one file kept), which compares
    its counts with the preview's when it ends. A preview is imported once."""
    check_kind(user=user, kind=preview.kind, action="import")
    mode = mode or ImportMode.CREATE_OR_UPDATE
    if mode not in COMMIT_MODES:
        raise RequestRefused(400, "bad_mode", _("Unknown mode “%(mode)s”.") % {"mode": mode})
    not_committable = RequestRefused(
        409,
        "not_committable",
        _("Only a finished validation whose file is still kept can be imported, once."),
    )
    if not import_committable(preview):
        raise not_committable
    owner = preview.owner
    with transaction.atomic():
        if quota:
            owner_lock(owner)
            quota_check(user=owner)
        moved = FileJob.objects.filter(
            pk=preview.pk, upload_name=preview.upload_name, status=JobStatus.SUCCEEDED
        ).update(upload_name="")
        if not moved:  # committed meanwhile by another request
            raise not_committable
        options = {"preview": {"job": preview.pk, "counts": previewed_counts(preview)}}
        if encoding := preview.options.get("encoding"):
            options["encoding"] = encoding
        job = FileJob.objects.create(
            kind=preview.kind,
            direction=JobDirection.IMPORT,
            mode=mode,
            file_format=preview.file_format,
            owner=owner,
            language=language,
            original_name=preview.original_name,
            upload_name=preview.upload_name,
            fingerprint=preview.fingerprint,
            upload_size=preview.upload_size,
            options=options,
        )
        FileJob.objects.filter(pk=preview.pk).update(
            options={**preview.options, "committed_as": job.pk}
        )
        job_enqueue_on_commit(job)
    return job


# Exports --------------------------------------------------------------------------------

# The list's own parameters (page, order, "show all", popups, facets): they change what a
# page shows, not which rows an export lists (it reads every row, by primary key).
NOT_FILTERS = {PAGE_VAR, ORDER_VAR, ALL_VAR, ERROR_FLAG, IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR}
MAX_FILTERS = 30
MAX_FILTER_CHARS = 1000


def _bad_filters() -> RequestRefused:
    return RequestRefused(400, "bad_filters", _("The filters are not valid."))


def normalized_filters(filters: dict) -> dict[str, str | list[str]]:
    """The filters that change what an export lists, as text without surrounding spaces:
    empty values and the list's own parameters go, so that requests that list the same
    rows are the same request. Refused (400) when not a small mapping of text or numbers."""
    if not isinstance(filters, dict) or len(filters) > MAX_FILTERS:
        raise _bad_filters()
    clean: dict[str, str | list[str]] = {}
    for key, value in filters.items():
        key = str(key).strip()
        values = value if isinstance(value, list) else [value]
        if any(
            isinstance(v, bool) or not isinstance(v, str | int | float | type(None)) for v in values
        ):
            raise _bad_filters()
        texts = [text for v in values if v is not None and (text := str(v).strip())]
        if key == SEARCH_VAR:
            texts = [" ".join(text.split()) for text in texts]  # the search splits on spaces
        if sum(len(text) for text in texts) > MAX_FILTER_CHARS:
            raise _bad_filters()
        if key and key not in NOT_FILTERS and texts:
            clean[key] = texts[0] if len(texts) == 1 else texts
    return clean


def normalized_ids(ids) -> list[int] | None:
    """The selected primary keys, sorted and once each; None for "every row listed".

    Refused (400) unless a list of at most ``OMS_EXPORT_MAX_IDS`` positive integers (or
    their digits as text).
    """
    if ids is None:
        return None
    if not isinstance(ids, list):
        raise RequestRefused(400, "bad_ids", _("ids must be a list of row ids."))
    if len(ids) > settings.EXPORT_MAX_IDS:
        raise RequestRefused(
            400,
            "too_many_ids",
            _(
                "At most %(limit)s selected rows can be exported; to export more, export the "
                "whole list with its filters."
            )
            % {"limit": settings.EXPORT_MAX_IDS},
        )
    chosen = set()
    for value in ids:
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            raise RequestRefused(400, "bad_ids", _("ids must be a list of row ids."))
        chosen.add(value)
    return sorted(chosen)


def fingerprint(*, kind: str, file_format: str, filters: dict, ids: list | None) -> str:
    """The request's identity, for filters and ids as ``normalized_filters`` and
    ``normalized_ids`` return them."""
    request = {"kind": kind, "format": file_format, "filters": filters, "ids": ids}
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def export_job_create(
    *,
    user,
    kind: str,
    file_format: str = "xlsx",
    filters: dict | None = None,
    ids: list | None = None,
    language: str = "zh-hans",
    quota: bool = True,
) -> tuple[FileJob, bool]:
    """Queue an export of what ``user`` sees of ``kind``; returns (job, created).

    An identical request (same user, kind, rows listed and format: filters compared once
    normalized) while the first is queued or running returns the first job. Otherwise the
    user's quota must allow one more job, unless ``quota`` is False (commands and the
    nightly exports). The owner's row is locked for the checks, so two simultaneous
    requests cannot both create one.
    """
    spec = check_kind(user=user, kind=kind, action="export")
    if file_format not in FORMATS:
        raise RequestRefused(
            400, "bad_format", _("Unknown format “%(format)s”.") % {"format": file_format}
        )
    filters = normalized_filters(filters or {})
    ids = normalized_ids(ids)
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
        owner_lock(user)
        running = FileJob.objects.filter(
            owner=user, direction=JobDirection.EXPORT, fingerprint=digest, status__in=ACTIVE
        ).first()
        if running:
            return running, False
        if quota:
            quota_check(user=user)
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
