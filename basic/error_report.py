"""The error report: the rejected rows as they were, bad cells marked, and why.

It repeats the original header, so the user can fix the rows in the report itself and
upload it again (the extra columns are ignored by the import).
"""

from django.utils.translation import gettext as _

from utils.excel_write import ColumnFormat, SheetWriter

from . import job_files, scratch
from .models import FileJob


def error_lines(problems: list[dict]) -> str:
    return "; ".join(
        f"{p['header']}: {p['message']}" if p.get("header") else p["message"] for p in problems
    )


def write_error_report(job: FileJob, spec) -> str:
    """Write the report of ``job`` to the job storage; returns its storage name."""
    fmt = "xls" if job.file_format == "xls" else "xlsx"
    header = list(job.options.get("header") or [])
    positions = job.options.get("columns") or {}
    width = len(header)
    columns = [ColumnFormat(text or "") for text in header]
    columns += [ColumnFormat(_("Error message"), width=60), ColumnFormat(_("Row"), kind="int")]
    with scratch.temporary_folder("report-") as folder:
        path = folder / f"report.{fmt}"
        with SheetWriter(path, fmt=fmt, sheet_name=_("Errors"), columns=columns) as writer:
            for error in job.row_errors.order_by("row_number").iterator(chunk_size=2000):
                cells = (list(error.cells) + [None] * width)[:width]
                highlight = {
                    positions[p["key"]] for p in error.problems if p.get("key") in positions
                }
                writer.write_row(
                    [*cells, error_lines(error.problems), error.row_number], highlight=highlight
                )
        return job_files.save_path(job_files.new_name("download", fmt), path)
