"""The JSON API of file jobs (docs/API.md). Session auth with CSRF; thin views."""

import functools
import io
import json
import math
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import csrf, defaults
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET, require_POST

from basic.filejobs import job_files, lifecycle
from basic.filejobs.lifecycle import ACTIVE, job_may_retry
from basic.filejobs.models import FileJob, ImportMode, JobDirection, JobStatus
from basic.filejobs.pipeline.imports import encoding_note
from basic.filejobs.pipeline.samples import preview_rows
from basic.filejobs.pipeline.templates import template_build
from basic.filejobs.requests import (
    RequestRefused,
    check_kind,
    export_job_create,
    import_commit_create,
    import_committable,
    import_job_create,
)
from basic.filejobs.selectors import job_get, job_list
from basic.filejobs.sheets.specs import get_spec

PAGE_SIZE = 50
MAX_OFFSET = 1_000_000


def error_response(
    status: int, code: str, message: str, retry_after: int | None = None
) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def api_view(view):
    """JSON for every outcome: 401 for anonymous callers, refusals as {"error": ...}."""

    @login_not_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return error_response(401, "not_authenticated", _("Log in first."))
        try:
            response = view(request, *args, **kwargs)
        except RequestRefused as refused:
            return error_response(
                refused.status, refused.code, refused.message, refused.retry_after
            )
        except Http404:
            return error_response(404, "not_found", _("Not found."))
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(
                405, "method_not_allowed", _("Use %(methods)s here.") % {"methods": allowed}
            )
            response["Allow"] = allowed
        return response

    return wrapper


# Errors raised before or around the API's views (urls.py handlers, CSRF_FAILURE_VIEW):
# JSON under /api/, Django's pages elsewhere.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@requires_csrf_token
def csrf_failure(request, reason=""):
    if _is_api(request):
        message = _("The CSRF token is missing or wrong: reload the page and try again.")
        return error_response(403, "csrf_failed", message)
    return csrf.csrf_failure(request, reason)


def bad_request(request, exception):
    if _is_api(request):
        return error_response(400, "bad_request", _("The request is not valid."))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return error_response(403, "forbidden", _("You are not allowed to do this."))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return error_response(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        message = _("Something went wrong on the server; the error was logged.")
        return error_response(500, "server_error", message)
    return defaults.server_error(request)


def job_as_dict(job: FileJob, *, viewer) -> dict:
    """The job as the API and the job pages show it to ``viewer``: the worker host's
    address only to superusers."""

    def url(name):
        return reverse(name, args=[job.pk])

    return {
        "id": job.pk,
        "url": url("api-job-detail"),
        "kind": job.kind,
        "direction": job.direction,
        "mode": job.mode,
        "format": job.file_format,
        "status": job.status,
        "status_label": job.get_status_display(),
        "outcome": job.outcome,  # "partial": succeeded with rows rejected
        "outcome_label": outcome_label(job),
        "file_name": job.original_name or job.result_filename,
        "sheet": job.sheet_name,
        "total": job.total,
        "processed": job.processed,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "failed": job.failed,
        "held_back": job.held_back,
        "progress": job.progress,
        "message": job.message,
        "result_url": url("api-job-result") if job.result_name else None,
        "error_report_url": url("api-job-error-report") if job.error_report_name else None,
        "owner": job.owner.get_username(),
        "host": job.host if viewer.is_superuser else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        **_job_additions(job, url),
    }


def _job_additions(job: FileJob, url) -> dict:
    """Labels, pace and links for the job center and job pages (fields added after v1)."""
    spec = get_spec(job.kind)
    rate, left = job_pace(job, timezone.now())
    return {
        "kind_label": str(spec.label) if spec else job.kind,
        "direction_label": job.get_direction_display(),
        "mode_label": job.get_mode_display() if job.mode else "",
        "rows_per_second": rate,
        "seconds_left": left,
        "status_note": status_note(job),
        "parts_left": job.parts_left,  # a big import cut into parts: parts not committed
        "page_url": reverse("job-page", args=[job.pk]),
        "cancel_url": url("api-job-cancel") if job.status in ACTIVE else None,
        "retry_url": url("api-job-retry") if job_may_retry(job) else None,
        # a preview (validate-only import): where to import its rows for real, once
        "commit_url": url("api-job-commit") if import_committable(job) else None,
        "preview_of": (job.options.get("preview") or {}).get("job"),
        "committed_as": job.options.get("committed_as"),
    }


def job_pace(job: FileJob, now) -> tuple[float | None, int | None]:
    """Rows per second since the job started, and the seconds left at that pace if running."""
    if not (job.started_at and job.processed):
        return None, None
    end = job.finished_at if job.is_ended and job.finished_at else now
    elapsed = (end - job.started_at).total_seconds()
    if elapsed <= 0:
        return None, None
    rate = job.processed / elapsed
    left = None
    if job.status == JobStatus.RUNNING and job.total > job.processed:
        left = math.ceil((job.total - job.processed) / rate)
    return round(rate, 1), left


def _grouped(count: int) -> str:
    """1,234 in English, as the pages write figures."""
    return number_format(count, force_grouping=True)


def outcome_label(job: FileJob) -> str:
    if job.outcome != "partial":
        return str(job.get_status_display())
    count = {"count": _grouped(job.failed)}
    if job.mode == ImportMode.VALIDATE_ONLY:
        return (
            ngettext(
                "Checked: %(count)s row would be rejected",
                "Checked: %(count)s rows would be rejected",
                job.failed,
            )
            % count
        )
    return (
        ngettext(
            "Finished with %(count)s row rejected",
            "Finished with %(count)s rows rejected",
            job.failed,
        )
        % count
    )


def status_note(job: FileJob) -> str:
    """What a cancelled job left behind (an import keeps the rows it had committed), why
    a refused file is not offered a retry, and the encoding a guessed csv was read in."""
    refused = _refused_note() if job.retry_cannot_help else ""
    notes = [note for note in (_cancel_note(job), refused, encoding_note(job)) if note]
    return " ".join(notes)


def _refused_note() -> str:
    return _(
        "Retrying cannot help: the file itself was refused. "
        "Fix what the message says and upload it again."
    )


def _cancel_note(job: FileJob) -> str:
    if job.status != JobStatus.CANCELLED:
        return ""
    if job.direction == JobDirection.EXPORT:
        return _("Cancelled: no file was produced.")
    if job.mode == ImportMode.VALIDATE_ONLY:
        return _("Cancelled: validation only, nothing was written.")
    if not job.processed:
        return _("Cancelled before any row was committed: nothing was imported.")
    saved = job.processed - job.failed  # rows read and written; the rejected ones apart
    notes = [
        ngettext(
            "Cancelled: %(count)s row had already been committed and is kept.",
            "Cancelled: %(count)s rows had already been committed and are kept.",
            saved,
        )
        % {"count": _grouped(saved)}
    ]
    if job.failed:
        notes.append(
            ngettext(
                "%(count)s row read before the cancel was rejected.",
                "%(count)s rows read before the cancel were rejected.",
                job.failed,
            )
            % {"count": _grouped(job.failed)}
        )
    if job.mode != ImportMode.CREATE_ONLY:  # there, saved rows would come back as refused
        notes.append(
            _(
                "To import the rest, upload the same file again: "
                "the rows already saved come back unchanged."
            )
        )
    return " ".join(notes)


@api_view
@require_POST
def job_import(request):
    uploaded = request.FILES.get("file")
    if uploaded is None:
        raise RequestRefused(400, "no_file", _("Choose a file to import."))
    job, _created = import_job_create(
        user=request.user,
        kind=request.POST.get("kind", ""),
        uploaded=uploaded,
        mode=request.POST.get("mode", ""),
        encoding=request.POST.get("encoding", ""),
        language=request.LANGUAGE_CODE,
    )
    return JsonResponse(
        {"id": job.pk, "status": job.status, "url": reverse("api-job-detail", args=[job.pk])},
        status=202,
    )


def _export_request(request) -> dict:
    """JSON body or form fields: kind, format, filters (an object), ids (optional)."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise RequestRefused(400, "bad_json", _("The request is not valid JSON.")) from exc
        if not isinstance(data, dict):
            raise RequestRefused(400, "bad_json", _("The request is not valid JSON."))
    else:
        data = request.POST.dict()
    filters = data.get("filters") or {}
    if isinstance(filters, str):
        try:
            filters = (
                json.loads(filters)
                if filters.strip().startswith("{")
                else dict(QueryDict(filters).items())
            )
        except ValueError as exc:
            raise RequestRefused(400, "bad_filters", _("The filters are not valid.")) from exc
    return {
        "kind": str(data.get("kind", "")),
        "file_format": str(data.get("format") or "xlsx"),
        "filters": filters,  # both checked by the service (basic.filejobs.requests)
        "ids": data.get("ids"),
    }


@api_view
@require_POST
def job_export(request):
    job, _created = export_job_create(
        user=request.user, language=request.LANGUAGE_CODE, **_export_request(request)
    )
    return JsonResponse(job_as_dict(job, viewer=request.user), status=202)


def _offset(text: str) -> int:
    """The page's first row: a whole number up to ``MAX_OFFSET``, else 400."""
    if not re.fullmatch(r"[0-9]{1,7}", text.strip()) or int(text) > MAX_OFFSET:
        raise RequestRefused(
            400,
            "bad_offset",
            _("offset must be a whole number from 0 to %(max)s.") % {"max": MAX_OFFSET},
        )
    return int(text)


@api_view
@require_GET
def jobs(request):
    selected = job_list(
        user=request.user,
        status=request.GET.get("status", ""),
        kind=request.GET.get("kind", ""),
        direction=request.GET.get("direction", ""),
    )
    offset = _offset(request.GET.get("offset", "0"))
    page = list(selected[offset : offset + PAGE_SIZE])
    return JsonResponse(
        {
            "results": [job_as_dict(job, viewer=request.user) for job in page],
            "offset": offset,
            "count": selected.count(),
        }
    )


@api_view
@require_GET
def job_detail(request, job_id: int):
    job = job_get(user=request.user, job_id=job_id)
    return JsonResponse(
        {**job_as_dict(job, viewer=request.user), "preview_rows": preview_rows(job)}
    )


@api_view
@require_POST
def job_cancel(request, job_id: int):
    job = job_get(user=request.user, job_id=job_id)
    if not lifecycle.job_cancel(job=job):
        raise RequestRefused(409, "not_active", _("Only a queued or running job can be cancelled."))
    job.refresh_from_db()
    return JsonResponse(job_as_dict(job, viewer=request.user))


@api_view
@require_POST
def job_retry(request, job_id: int):
    job = job_get(user=request.user, job_id=job_id)
    if not lifecycle.job_retry(job=job, language=request.LANGUAGE_CODE):
        if job.retry_cannot_help:
            raise RequestRefused(409, "not_retryable", _refused_note())
        raise RequestRefused(
            409, "not_retryable", _("Only a failed job whose file is still kept can be retried.")
        )
    job.refresh_from_db()
    return JsonResponse(job_as_dict(job, viewer=request.user), status=202)


@api_view
@require_POST
def job_commit(request, job_id: int):
    """Import a preview's rows for real: 202 and the new job."""
    preview = job_get(user=request.user, job_id=job_id)
    job = import_commit_create(
        user=request.user,
        preview=preview,
        mode=request.POST.get("mode", ""),
        language=request.LANGUAGE_CODE,
    )
    return JsonResponse(job_as_dict(job, viewer=request.user), status=202)


def _download(name: str, filename: str) -> FileResponse | HttpResponseRedirect:
    """The job file, to a caller who passed the permission check (``job_get``)."""
    if not name:
        raise Http404
    if settings.S3_PRESIGNED_DOWNLOADS:
        response = HttpResponseRedirect(job_files.signed_url(name, filename))
        response["Cache-Control"] = "no-store"  # the signed URL expires: never cache the redirect
        return response
    response = FileResponse(
        job_files.job_storage().open(name, "rb"), as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@api_view
@require_GET
def job_error_report(request, job_id: int):
    job = job_get(user=request.user, job_id=job_id)
    extension = job.error_report_name.rsplit(".", 1)[-1]
    stem = (job.original_name.rsplit(".", 1)[0] or job.kind) if job.original_name else job.kind
    # Translators: the end of an error report's file name: orders_错误.xlsx
    ending = _("errors")
    return _download(job.error_report_name, f"{stem}_{ending}.{extension}")


@api_view
@require_GET
def job_result(request, job_id: int):
    job = job_get(user=request.user, job_id=job_id)
    return _download(job.result_name, job.result_filename or f"{job.kind}.{job.file_format}")


@api_view
@require_GET
def template_download(request, kind: str, file_format: str):
    spec = check_kind(user=request.user, kind=kind, action="import")
    content = template_build(spec=spec, file_format=file_format, user=request.user)
    # Translators: the end of a template's file name: 订单_模板.xlsx
    ending = _("template")
    filename = f"{spec.label}_{ending}.{file_format}"
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
