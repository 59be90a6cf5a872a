"""The error report: the rejected rows as they were, bad cells marked, and why.

It repeats the original header, so the user can fix the rows in the report itself and
upload it again (the extra columns are ignored by the import). A report of such an upload
leaves out the columns an earlier report added (in any language), so each round has one
pair of them.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from basic.filejobs import job_files, scratch
from basic.filejobs.models import FileJob, JobDirection, JobStatus
from basic.filejobs.pipeline.rejections import reason_counts
from basic.filejobs.sheets.specs import get_spec
from utils.excel_write import ColumnFormat, SheetWriter


def error_lines(problems: list[dict]) -> str:
    return "; ".join(
        f"{p['header']}: {p['message']}" if p.get("header") else p["message"] for p in problems
    )


def _report_headers() -> set[str]:
    """The headers of the columns a report adds, in every language of the site."""
    headers = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            headers |= {_("Error message"), _("Row")}
    return headers


def error_report_write(job: FileJob, spec) -> str:
    """Write the report of ``job`` to the job storage; returns its storage name."""
    fmt = "xls" if job.file_format == "xls" else "xlsx"
    header = list(job.options.get("header") or [])
    positions = job.options.get("columns") or {}
    imported, added = set(positions.values()), _report_headers()
    kept = [i for i, text in enumerate(header) if i in imported or str(text) not in added]
    place = {position: index for index, position in enumerate(kept)}  # file → report column
    columns = [ColumnFormat(header[i] or "") for i in kept]
    columns += [ColumnFormat(_("Error message"), width=60), ColumnFormat(_("Row"), kind="int")]
    with scratch.temporary_folder("report-") as folder:
        path = folder / f"report.{fmt}"
        with SheetWriter(path, fmt=fmt, sheet_name=_("Errors"), columns=columns) as writer:
            for error in job.row_errors.order_by("row_number").iterator(chunk_size=2000):
                cells = list(error.cells)
                values = [cells[i] if i < len(cells) else None for i in kept]
                highlight = {
                    place[positions[p["key"]]]
                    for p in error.problems
                    if positions.get(p.get("key")) in place
                }
                writer.write_row(
                    [*values, error_lines(error.problems), error.row_number], highlight=highlight
                )
        return job_files.save_path(job_files.new_name("download", fmt), path)


def rejected_rows_recorded(job: FileJob) -> tuple[str, dict]:
    """What an ending import keeps of its rejected rows: the report's storage name ('' if
    none) and the job's options with the counts per reason the job page shows."""
    if not job.failed:
        return "", job.options
    name = error_report_write(job, get_spec(job.kind))
    return name, {**job.options, "reasons": reason_counts(job)}


def report_of_cancelled(job_id: int) -> None:
    """A cancelled import keeps the report of the rows it rejected before it stopped.

    Called by the run that noticed the cancel; of several parts noticing it, the first
    to record its report wins and the others delete theirs.
    """
    job = FileJob.objects.get(pk=job_id)
    if job.direction != JobDirection.IMPORT or job.status != JobStatus.CANCELLED:
        return
    if not job.failed or job.error_report_name:
        return
    name, options = rejected_rows_recorded(job)
    recorded = FileJob.objects.filter(
        pk=job.pk, status=JobStatus.CANCELLED, error_report_name=""
    ).update(error_report_name=name, options=options)
    if not recorded:
        job_files.delete(name)
