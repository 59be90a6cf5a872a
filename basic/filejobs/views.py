from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from basic.filejobs.api import PAGE_SIZE, job_as_dict
from basic.filejobs.health import health_report, health_summary, may_see_detail
from basic.filejobs.models import ImportMode, JobDirection, JobStatus
from basic.filejobs.pipeline.rejections import rejection_groups
from basic.filejobs.pipeline.samples import preview_rows
from basic.filejobs.requests import RequestRefused, export_job_create
from basic.filejobs.selectors import job_get, job_list
from basic.filejobs.sheets.specs import all_specs, get_spec, user_may
from utils.excel_read import ENCODINGS

MODE_HELP = {
    ImportMode.CREATE_OR_UPDATE: gettext_lazy(
        "New rows are created; rows whose key already exists update what is there."
    ),
    ImportMode.CREATE_ONLY: gettext_lazy(
        "New rows are created; rows whose key already exists are rejected."
    ),
    ImportMode.VALIDATE_ONLY: gettext_lazy(
        "Every row is checked and the errors reported, but nothing is written."
    ),
}


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: 200 when the database and broker answer, else 503.

    Anonymous callers get the status alone, from a result a few seconds old at most;
    superusers and the token's holders get the detail, fresh.
    """
    if may_see_detail(request):
        healthy, report = health_report()
        return JsonResponse(report, status=200 if healthy else 503)
    healthy = health_summary()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503
    )


def _job_filters(query: QueryDict) -> dict[str, str]:
    """The job center's filters; an unknown value is no filter."""
    allowed = {
        "status": JobStatus.values,
        "kind": [spec.kind for spec in all_specs()],
        "direction": JobDirection.values,
    }
    return {
        name: v if (v := query.get(name, "")) in values else "" for name, values in allowed.items()
    }


@require_GET
def job_center(request):
    """Every job of the user (all of them for superusers), newest first, live while active."""
    filters = _job_filters(request.GET)
    page = Paginator(job_list(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    chosen = {name: value for name, value in filters.items() if value}
    offset = (page.number - 1) * PAGE_SIZE
    context = {
        **admin.site.each_context(request),
        "title": _("Job center"),
        "jobs": [job_as_dict(job, viewer=request.user) for job in page],
        "page": page,
        "filter_choices": [
            ("status", _("Status"), JobStatus.choices, filters["status"]),
            ("kind", _("Kind"), [(spec.kind, spec.label) for spec in all_specs()], filters["kind"]),
            ("direction", _("Direction"), JobDirection.choices, filters["direction"]),
        ],
        "query": urlencode(chosen),
        "api_url": f"{reverse('api-jobs')}?{urlencode({**chosen, 'offset': offset})}",
    }
    return render(request, "basic/job_center.html", context)


@require_GET
def job_page(request, job_id: int):
    job = job_get(user=request.user, job_id=job_id)
    shown = job_as_dict(job, viewer=request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("Job #%(id)s: %(kind)s %(direction)s")
        % {"id": job.pk, "kind": shown["kind_label"], "direction": shown["direction_label"]},
        "job": shown,
        "rejections": rejection_groups(job),
        "errors_url": reverse("job-errors", args=[job.pk]),
        "preview_rows": preview_rows(job),
    }
    return render(request, "basic/job.html", context)


@require_GET
def job_errors(request, job_id: int):
    """The error table (and a preview's rows) alone, for the job page to show when a
    running import ends."""
    job = job_get(user=request.user, job_id=job_id)
    context = {"rejections": rejection_groups(job), "job": job, "preview_rows": preview_rows(job)}
    return render(request, "basic/_job_errors.html", context)


def _column_rows(spec) -> list[dict]:
    """The columns as the template names them, and every other header a file may use."""
    rows = []
    for column in spec.columns:
        rows.append(
            {
                "header": column.shown_header(),
                "required": column.required,
                "example": "" if column.example is None else column.example,
                "allowed": [str(label) for _value, label in column.choices.choices]
                if column.choices
                else [],
                "aliases": [column.key, *column.other_headers()],
            }
        )
    return rows


@require_GET
def import_page(request, kind: str):
    """Upload a file of one kind; the page posts to the API and follows the job."""
    spec = get_spec(kind)
    if spec is None:
        raise Http404
    context = {
        **admin.site.each_context(request),
        "title": _("Import %(label)s") % {"label": spec.label},
        "spec": spec,
        "columns": _column_rows(spec),
        "modes": [(value, label, MODE_HELP[value]) for value, label in ImportMode.choices],
        "encodings": list(ENCODINGS.items()),
        "chosen_encoding": request.GET.get("encoding", ""),
        "allowed": user_may(request.user, spec.import_permissions),
        "max_upload_mb": settings.MAX_UPLOAD_MB,
        "max_upload_bytes": settings.MAX_UPLOAD_MB * 1024 * 1024,
        # The page goes to /jobs/<id>/ once the API has answered with the id.
        "job_page_pattern": reverse("job-page", args=[0]).replace("/0/", "/{id}/"),
    }
    return render(request, "basic/import.html", context, status=200 if context["allowed"] else 403)


@require_POST
def export_request(request):
    """The admin's "Export" button: export what the changelist shows, then follow the job."""
    filters = dict(QueryDict(request.POST.get("filters", "")).items())
    try:
        job, _created = export_job_create(
            user=request.user,
            kind=request.POST.get("kind", ""),
            file_format=request.POST.get("format", "xlsx"),
            filters=filters,
            language=request.LANGUAGE_CODE,
        )
    except RequestRefused as refused:
        messages.error(request, refused.message)
        back = request.META.get("HTTP_REFERER", "")
        safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
        return redirect(back if safe else "admin:index")
    return redirect("job-page", job_id=job.pk)
