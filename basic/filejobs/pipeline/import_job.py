"""An import job's path: in one task, chunk after chunk, or split into parts.

The steps of both paths are in ``imports`` (header, conversion, chunks, the end of the
job) and ``parts`` (splitting, a part's commit); this module only chooses between them
and keeps on the job what it read of the file's header.
"""

from django.conf import settings

from basic.filejobs import job_files
from basic.filejobs.claims import Claim
from basic.filejobs.errors import JobRefused
from basic.filejobs.models import FileJob
from basic.filejobs.pipeline import imports, parts
from basic.filejobs.pipeline.imports import (
    Header,
    import_finish,
    locate_header,
    unreadable_message,
    watched_rows,
)
from basic.filejobs.sheets.specs import get_spec
from utils.excel_read import UnreadableFile, Workbook, open_workbook


def import_run(job: FileJob, claim: Claim) -> bool:
    """Run a claimed import job to its end (succeeded, or RunStopped/JobRefused), or, for
    a big file, cut it into parts: True when those parts are to be sent (each runs as a
    task of its own, ``parts.part_process``)."""
    if job.parts_left is not None:  # recorded with the parts, in one transaction
        return parts.parts_resume(job, claim)
    limits = {"max_uncompressed_bytes": settings.MAX_XLSX_UNCOMPRESSED_MB * 1024 * 1024}
    limits["encoding"] = job.options.get("encoding") or None  # a csv's, chosen on upload
    try:
        with job_files.local_copy(job.upload_name) as path, open_workbook(path, **limits) as book:
            header = locate_header(book.sheets(), get_spec(job.kind))
            header.rest = watched_rows(header.rest, claim)
            _remember_header(job, claim, header, book)
            if parts.should_split(job, header):
                return parts.import_split(job, claim, header)
            imports.import_rows(job, claim, header)
    except UnreadableFile as exc:
        raise JobRefused(unreadable_message(exc)) from exc
    import_finish(job, claim)
    return False


def _remember_header(job: FileJob, claim: Claim, header: Header, book: Workbook) -> None:
    """Kept on the job: the report repeats the original header; the page names the sheet
    and, for a csv whose encoding was guessed, the encoding it was read in."""
    job.sheet_name = header.sheet.name
    job.options = {
        **job.options,
        "header": header.cells,
        "header_row": header.row_number,
        "columns": {column.key: position for position, column in header.columns.items()},
        "ignored_columns": header.ignored,
        "header_cells_found": header.found,
    }
    if book.encoding:
        job.options["read_encoding"] = book.encoding.removesuffix("-sig")
        job.options["encoding_guessed"] = book.encoding_guessed
    total = getattr(header.sheet, "height", None)
    fields = {"sheet_name": job.sheet_name, "options": job.options}
    if total:
        fields["total"] = max(0, total - header.row_number)
    if not claim.job_rows().update(**fields):
        raise claim.lost()
    for name, value in fields.items():
        setattr(job, name, value)
