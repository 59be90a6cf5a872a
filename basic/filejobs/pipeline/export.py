"""The export engine: the list a user sees, written to a styled file by a worker.

The rows are exactly what the kind's admin changelist shows the job's owner for the
job's filters (the same filters, search and store scoping), read in keyset batches so
memory stays flat on MySQL too, and streamed into the writer. The file goes to the job
storage only once it is complete: a worker killed half-way leaves nothing to download.
"""

from collections.abc import Iterator

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from loguru import logger

from basic.filejobs import job_files, scratch
from basic.filejobs.claims import Claim
from basic.filejobs.errors import JobRefused
from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.sheets.specs import ExportSpec, get_spec
from utils.excel_write import ColumnFormat, SheetWriter

BATCH_ROWS = 2000
FORMATS = ("xlsx", "xls", "csv")

job_log = logger.bind(concern="file")


def listed_queryset(*, spec: ExportSpec, user, filters: dict, ids: list | None = None) -> QuerySet:
    """What the kind's admin changelist lists for ``user`` with these query parameters."""
    from django.contrib.admin.options import IncorrectLookupParameters

    model_admin = admin.site.get_model_admin(spec.model)
    request = _list_request(user, filters)
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters as exc:
        raise JobRefused(_("The export filters are not valid for this list.")) from exc
    queryset = changelist.get_queryset(request)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset


def _list_request(user, filters: dict) -> HttpRequest:
    """The GET of the admin list with these query parameters, as ``user`` would send it."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = "/"
    request.GET = QueryDict(mutable=True)
    for name, value in filters.items():
        if value not in (None, ""):
            request.GET.setlist(name, value if isinstance(value, list) else [value])
    request.user = user
    return request


def export_batches(spec: ExportSpec, listed: QuerySet, tz) -> Iterator[list[list]]:
    """Rows in column order, ``BATCH_ROWS`` at a time, by ascending primary key."""
    formatters = [column.formatter(tz) for column in spec.columns]
    for batch in spec.export_values(listed, BATCH_ROWS):
        yield [
            [fmt(value) for fmt, value in zip(formatters, values, strict=True)] for values in batch
        ]


def result_filename(spec: ExportSpec, file_format: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M%S")
    return f"{spec.label}_{stamp}.{file_format}"


def _progress(claim: Claim, processed: int) -> None:
    if not claim.job_rows().update(processed=processed, heartbeat_at=timezone.now()):
        raise claim.lost()


def export_run(job: FileJob, claim: Claim) -> None:
    spec = get_spec(job.kind)
    options = job.options or {}
    listed = listed_queryset(
        spec=spec, user=job.owner, filters=options.get("filters") or {}, ids=options.get("ids")
    )
    total = spec.export_count(listed)
    if job.file_format == "xls" and total > settings.XLS_MAX_ROWS:
        raise JobRefused(too_many_for_xls(total))
    if not claim.job_rows().update(total=total):
        raise claim.lost()
    tz = timezone.get_current_timezone()
    columns = [
        ColumnFormat(column.shown_header(), kind=column.type.writer_kind) for column in spec.columns
    ]
    processed = 0
    with scratch.temporary_folder("export-") as folder:
        path = folder / f"export.{job.file_format}"
        with SheetWriter(
            path, fmt=job.file_format, sheet_name=str(spec.label), columns=columns
        ) as writer:
            for rows in export_batches(spec, listed, tz):
                for row in rows:
                    writer.write_row(row)
                processed += len(rows)
                _progress(claim, processed)
        stored = job_files.save_path(job_files.new_name("download", job.file_format), path)
    finished = claim.job_rows().update(
        status=JobStatus.SUCCEEDED,
        result_name=stored,
        result_filename=result_filename(spec, job.file_format),
        processed=processed,
        total=processed,
        message=_("%(rows)s rows exported.") % {"rows": processed},
        finished_at=timezone.now(),
    )
    if not finished:  # cancelled or taken over while the file was being stored
        job_files.delete(stored)
        raise claim.lost()
    job_log.info("job {} export {} done: {} rows to {}", job.pk, job.kind, processed, stored)


def too_many_for_xls(rows: int) -> str:
    return _(
        "%(rows)s rows are too many for an .xls file (at most %(limit)s here, since .xls is "
        "built in memory). Choose .xlsx or .csv."
    ) % {"rows": rows, "limit": settings.XLS_MAX_ROWS}
