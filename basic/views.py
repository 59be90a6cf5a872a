from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .exports import export_job_create
from .health import health_report
from .models import ImportMode
from .selectors import job_get
from .sheet_templates import header_text
from .specs import get_spec, user_may
from .uploads import RequestRefused


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: 200 when the database and broker answer, else 503."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


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
        "columns": [(header_text(c), c) for c in spec.columns],
        "modes": ImportMode.choices,
        "allowed": user_may(request.user, spec.import_permissions),
        "max_upload_mb": settings.MAX_UPLOAD_MB,
    }
    return render(request, "basic/import.html", context)


@require_GET
def job_page(request, job_id: int):
    job = job_get(user=request.user, job_id=job_id)
    context = {
        **admin.site.each_context(request),
        "title": _("Job #%(id)s") % {"id": job.pk},
        "job": job,
        "errors": job.row_errors.all()[:50],
    }
    return render(request, "basic/job.html", context)


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
        return redirect(request.META.get("HTTP_REFERER") or "admin:index")
    return redirect("job-page", job_id=job.pk)
