"""Accepting an upload: checked, stored under a generated name, then a job is queued."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from loguru import logger

from utils.excel_read import ENCODINGS, UnreadableFile, chosen_encoding, detect_format

from . import job_files
from .job_errors import RequestRefused
from .jobs import ACTIVE, job_enqueue_on_commit
from .models import FileJob, ImportMode, JobDirection
from .quotas import owner_lock, quota_check
from .specs import get_spec, user_may

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
    (``basic.quotas``) must allow one more job and these bytes, unless ``quota`` is False
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
