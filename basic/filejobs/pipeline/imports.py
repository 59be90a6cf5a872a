"""The import engine: a stored upload in, upserted rows and an error report out.

It streams the rows of the first sheet whose header matches the kind's spec, converts
and validates them in chunks, and commits each chunk (its rows, its rejected rows, the
job's counters and resume point) in one transaction. It knows no kind: everything
kind-specific is in the spec.
"""

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from loguru import logger

from basic.filejobs import job_files
from basic.filejobs.claims import Claim
from basic.filejobs.errors import JobRefused
from basic.filejobs.models import (
    FileJob,
    ImportKeys,
    ImportMode,
    ImportRowError,
    ImportSample,
    JobStatus,
)
from basic.filejobs.pipeline.error_report import rejected_rows_recorded
from basic.filejobs.pipeline.seen_keys import RunMemory
from basic.filejobs.sheets.cells import problem_message, problem_reason
from basic.filejobs.sheets.columns import Column
from basic.filejobs.sheets.specs import ImportSpec, Row, get_spec
from utils import excel_values
from utils.excel_read import ENCODINGS, Sheet, UnreadableFile
from utils.excel_values import normalize_header
from utils.xlsx_stream import column_letters

CHUNK_ROWS = 2000
HEADER_SEARCH_ROWS = 20
HEADER_TEXT_CHARS = 255  # of one header cell, kept on the job: no column name is longer

job_log = logger.bind(concern="file")


@dataclass
class Header:
    sheet: Sheet
    row_number: int
    cells: list[str]
    columns: dict[int, Column]  # cell index → column
    ignored: list[str]
    rest: Iterator  # rows after the header
    found: int = 0  # cells the header row has; more than ``cells`` when it was too wide


@dataclass
class ImportContext:
    job: FileJob
    claim: Claim  # every write of the run is conditional on it
    user: Any
    spec: ImportSpec
    mode: str
    tz: Any
    present: set[str] = field(default_factory=set)  # column keys the file has
    width: int | None = None  # cells of a row kept for the report: as many as the header
    cache: dict = field(default_factory=dict)  # for the spec: reference lookups and the like
    # Keys met in earlier chunks (natural key → first row, orders written...): part of the
    # resume point, saved with every committed chunk; see ``basic.filejobs.pipeline.seen_keys``.
    memory: RunMemory = field(default_factory=RunMemory)

    @property
    def dry_run(self) -> bool:
        return self.mode == ImportMode.VALIDATE_ONLY


# Header ---------------------------------------------------------------------------------


def _header_index(spec: ImportSpec) -> dict[str, Column]:
    index = {}
    for column in spec.columns:
        for name in column.header_names():
            index[name] = column
    return index


def _match_header(cells: list, index: dict[str, Column]) -> dict[int, Column]:
    matched = {}
    for position, cell in enumerate(cells):
        if cell is None:
            continue
        column = index.get(normalize_header(cell))
        if column is not None:
            matched[position] = column
    return matched


def _describe(column: Column) -> str:
    return f"{column.shown_header()} ({column.key})"


def wide_header_note(found: int) -> str:
    """What the job says when its header row had more cells than are read."""
    limit = settings.IMPORT_MAX_HEADER_CELLS
    if found <= limit:
        return ""
    return _(
        "The header row has %(found)s columns; only the first %(limit)s (up to column "
        "%(letter)s) were read, the rest ignored."
    ) % {"found": found, "limit": limit, "letter": column_letters(limit - 1)}


def _header_text(cell) -> str:
    return "" if cell is None else str(cell).strip()[:HEADER_TEXT_CHARS]


def locate_header(sheets: Iterable[Sheet], spec: ImportSpec) -> Header:
    """The first row, in the first sheet that has one, that names the spec's columns.

    Only its first IMPORT_MAX_HEADER_CELLS cells are read and kept: a header of millions
    of columns would otherwise be as many strings in the worker, in the job's options
    and in the error report.
    """
    index = _header_index(spec)
    needed = min(2, len(spec.columns))
    limit = settings.IMPORT_MAX_HEADER_CELLS
    looked_at = []
    for sheet in sheets:
        looked_at.append(sheet.name)
        buffered = list(itertools.islice(sheet.rows, HEADER_SEARCH_ROWS))
        for position, (row_number, cells) in enumerate(buffered):
            found, cells = len(cells), cells[:limit]
            matched = _match_header(cells, index)
            if len(matched) < needed:
                continue
            _check_columns(sheet, row_number, cells, matched, spec, found)
            header_cells = [_header_text(c) for c in cells]
            ignored = [text for i, text in enumerate(header_cells) if text and i not in matched]
            rest = itertools.chain(buffered[position + 1 :], sheet.rows)
            return Header(sheet, row_number, header_cells, matched, ignored, rest, found)
    expected = "、".join(_describe(c) for c in spec.columns if c.required)
    raise JobRefused(
        _(
            "No header row found in the first %(rows)s rows of sheet(s) %(sheets)s. "
            "Expected a row with the columns %(expected)s."
        )
        % {"rows": HEADER_SEARCH_ROWS, "sheets": "、".join(looked_at) or "-", "expected": expected}
    )


def _check_columns(sheet, row_number, cells, matched: dict[int, Column], spec, found) -> None:
    by_key: dict[str, list[int]] = {}
    for position, column in matched.items():
        by_key.setdefault(column.key, []).append(position)
    for key, positions in by_key.items():
        if len(positions) > 1:
            raise JobRefused(
                _(
                    "Sheet %(sheet)s, row %(row)s: the column %(column)s appears more than once "
                    "(columns %(letters)s)."
                )
                % {
                    "sheet": sheet.name,
                    "row": row_number,
                    "column": _describe(spec.columns_by_key[key]),
                    "letters": ", ".join(column_letters(p) for p in positions),
                }
            )
    missing = [c for c in spec.columns if c.required and c.key not in by_key]
    if missing:
        texts = [_header_text(c) for c in cells if c is not None and str(c).strip()]
        message = _(
            "Sheet %(sheet)s, row %(row)s: missing required columns %(missing)s. "
            "Expected %(expected)s; found %(found)s."
        ) % {
            "sheet": sheet.name,
            "row": row_number,
            "missing": "、".join(_describe(c) for c in missing),
            "expected": "、".join(_describe(c) for c in spec.columns if c.required),
            "found": "、".join(texts) or "-",
        }
        raise JobRefused(" ".join(filter(None, [message, wide_header_note(found)])))


# Rows -----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """An original cell as JSON: dates as ISO text, error cells as their text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):  # date, time
        return value.isoformat()
    return str(getattr(value, "text", value))


def is_blank_row(cells: list, positions: list[int]) -> bool:
    """Nothing in the spec's columns (a note to the right of the data is no row to import)."""
    width = len(cells)
    for position in positions:
        if position < width:
            cell = cells[position]
            if cell is not None and not (isinstance(cell, str) and not cell.strip()):
                return False
    return True


def watched_rows(rows: Iterable, claim: Claim) -> Iterator:
    """The rows, the claim checked every IMPORT_CANCEL_CHECK_ROWS rows read.

    Blank rows (a sheet's rows 3 to 1,048,575 when only its last one has a value) and
    rows that never make a chunk are counted too: a job cancelled (or taken over) while
    its reader goes through them stops there, raising ``RunStopped``, instead of at a
    commit that may never come.
    """
    every = settings.IMPORT_CANCEL_CHECK_ROWS
    for count, row in enumerate(rows, 1):
        if count % every == 0:
            claim.check()
        yield row


def convert_rows(
    rows: Iterable, columns: dict[int, Column], ctx: ImportContext, after: int = 0
) -> Iterator[Row]:
    """Rows with their cells converted; blank rows and rows up to ``after`` skipped.

    A row keeps at most ``ctx.width`` cells (the header's) for the report.
    """
    converters = []
    for position, column in columns.items():
        convert = column.converter(ctx.tz)
        blank_is_none = convert(None) is None  # then an empty cell needs no call
        converters.append((position, column, column.key, convert, blank_is_none))
    required = [c for c in ctx.spec.columns if c.required]
    positions = sorted(columns)
    kept = ctx.width
    for number, cells in rows:
        if number <= after or is_blank_row(cells, positions):
            continue
        if kept is not None and len(cells) > kept:
            cells = cells[:kept]
        row = Row(number=number, cells=cells)
        values = row.values
        width = len(cells)
        for position, column, key, convert, blank_is_none in converters:
            raw = cells[position] if position < width else None
            if raw is None and blank_is_none:
                values[key] = None
                continue
            try:
                values[key] = convert(raw)
            except excel_values.ValueProblem as problem:
                values[key] = None
                row.reject(
                    column, problem_message(problem, raw), raw, reason=problem_reason(problem)
                )
        for column in required:
            if row.values.get(column.key) in (None, "", []) and not any(
                p["key"] == column.key for p in row.problems
            ):
                row.reject(column, _("required"))
        yield row


def chunked(rows: Iterator[Row], spec: ImportSpec, size: int) -> Iterator[list[Row]]:
    """Chunks of about ``size`` rows; rows of one group (an order) never cross a boundary."""
    chunk: list[Row] = []
    last_group = None
    for row in rows:
        group = spec.group_of(row)
        if len(chunk) >= size and (group is None or group != last_group):
            yield chunk
            chunk = []
        chunk.append(row)
        last_group = group
    if chunk:
        yield chunk


def _reject_duplicates(rows: list[Row], ctx: ImportContext) -> None:
    """A key met twice: the later row is refused, whatever else is wrong with either
    (every problem of a row is reported in one pass, not one per round)."""
    spec = ctx.spec
    if spec.group_by:
        return  # grouped kinds check their own lines
    key_column = spec.columns_by_key[spec.key[0]]
    for row in rows:
        key = spec.key_of(row)
        if None in key:  # missing or unreadable: reported as such
            continue
        first = ctx.memory["keys"].first_row(key, row.number)
        if first != row.number:
            row.reject(
                key_column,
                _("duplicate of row %(row)s in this file") % {"row": first},
                row.values.get(key_column.key),
                reason=_("duplicate in this file"),
            )


def _reject_broken_groups(rows: list[Row], spec: ImportSpec) -> None:
    """A group (an order: its store code and order number as the file has them) is
    written whole or not at all. A line with a mistyped store code belongs to another
    order than the lines with the right one, and does not hold them back."""
    if not spec.group_by:
        return
    bad_groups: dict[tuple, int] = {}
    for row in rows:
        if not row.ok:
            bad_groups.setdefault(spec.group_of(row), row.number)
    for row in rows:
        first_bad = bad_groups.get(spec.group_of(row))
        if row.ok and first_bad is not None:
            row.reject(
                None,
                _("not imported because row %(row)s of the same order has errors")
                % {"row": first_bad},
                reason=_("held back with another line of its order"),
                held_back=True,
            )


def _groups(rows: list[Row], spec: ImportSpec) -> list[list[Row]]:
    if not spec.group_by:
        return [[row] for row in rows]
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        groups.setdefault(spec.group_of(row), []).append(row)
    return list(groups.values())


# Chunks ---------------------------------------------------------------------------------


def _write_chunk(rows: list[Row], ctx: ImportContext, record: Callable) -> None:
    """Write the valid rows and ``record`` the chunk in one transaction (or savepoint);
    if the database refuses the chunk, find the rows it refuses."""
    valid = [row for row in rows if row.ok]
    try:
        with transaction.atomic():
            ctx.claim.hold()
            ctx.spec.write(valid, ctx)
            ctx.spec.written(valid, ctx)
            record(rows, ctx)
        return
    except (IntegrityError, DataError) as exc:
        job_log.warning(
            "job {} chunk refused by the database, retrying row by row: {}", ctx.job.pk, exc
        )
    for row in valid:
        row.outcome = ""
    with transaction.atomic():
        ctx.claim.hold()
        for group in _groups(valid, ctx.spec):
            try:
                with transaction.atomic():
                    ctx.spec.write(group, ctx)
                    ctx.spec.written(group, ctx)
            except (IntegrityError, DataError) as exc:
                for row in group:
                    row.outcome = ""
                    row.reject(
                        None,
                        _("the database refused this row: %(error)s") % {"error": exc},
                        reason=_("refused by the database"),
                    )
        record(rows, ctx)


OUTCOMES = ("created", "updated", "unchanged")


@dataclass
class Tally:
    """What some rows came to: the job's counters, the rows to report and, for a
    validation (a preview), the first rows of each outcome."""

    ctx: ImportContext
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    held_back: int = 0  # of the rejected rows
    rejected: list[Row] = field(default_factory=list)
    samples: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, rows: list[Row], ctx: ImportContext | None = None) -> None:
        self.processed += len(rows)
        for row in rows:
            if not row.ok:
                self.rejected.append(row)
                self.held_back += row.held_back
            elif row.outcome in OUTCOMES:
                setattr(self, row.outcome, getattr(self, row.outcome) + 1)
                if self.ctx.dry_run:
                    kept = self.samples.setdefault(row.outcome, [])
                    if len(kept) < ImportSample.SAMPLES_PER_OUTCOME:
                        kept.append(row)

    def save(self, claim: Claim, **more) -> None:
        """Inside the caller's transaction: the rejected rows and the job's counters.

        Raises RunStopped (rolling the transaction back) when the claim no longer holds.
        """
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    job_id=claim.job_id,
                    row_number=row.number,
                    cells=[_jsonable(c) for c in row.cells],
                    problems=row.problems,
                )
                for row in self.rejected
            ],
            batch_size=1000,
        )
        if self.samples:
            self._save_samples(claim)
        still_running = claim.job_rows().update(
            processed=F("processed") + self.processed,
            created=F("created") + self.created,
            updated=F("updated") + self.updated,
            unchanged=F("unchanged") + self.unchanged,
            failed=F("failed") + len(self.rejected),
            held_back=F("held_back") + self.held_back,
            heartbeat_at=timezone.now(),
            **more,
        )
        if not still_running:
            raise claim.lost()

    def _save_samples(self, claim: Claim) -> None:
        """The first rows of each outcome, as far as the job has fewer than its share (the
        job's row is locked: chunks and parts committing together count one by one)."""
        before = claim.job_rows().values(*OUTCOMES).first() or {}
        spec, tz = self.ctx.spec, self.ctx.tz
        position = {key: number for number, key in enumerate(spec.columns_by_key)}
        ImportSample.objects.bulk_create(
            ImportSample(
                job_id=claim.job_id,
                outcome=outcome,
                row_number=row.number,
                key=" / ".join(str(v) for v in spec.key_of(row) if v not in (None, ""))[:255],
                changes=[
                    [spec.change_label(key), *(spec.shown_value(key, v, tz) for v in change)]
                    for key, change in sorted(
                        row.changes.items(), key=lambda item: position.get(item[0], len(position))
                    )
                ],
            )
            for outcome, rows in self.samples.items()
            for row in rows[: max(0, ImportSample.SAMPLES_PER_OUTCOME - before.get(outcome, 0))]
        )


def _record_chunk(rows: list[Row], ctx: ImportContext) -> None:
    """Inside the chunk's transaction: rejected rows, counters, heartbeat and the resume
    point, which is the last row and every key the run met up to it.

    A cancelled job rolls this chunk back: it stops at the last committed chunk.
    """
    tally = Tally(ctx)
    tally.add(rows)
    after = rows[-1].number
    tally.save(ctx.claim, resume_after=after)
    ImportKeys.objects.bulk_create(
        ImportKeys(job=ctx.job, after_row=after, name=name, keys=packed)
        for name, packed in ctx.memory.take_unsaved().items()
    )


def _restore_memory(ctx: ImportContext, after: int) -> None:
    """What the run had met up to row ``after``, as its committed chunks saved it."""
    saved = ImportKeys.objects.filter(job=ctx.job, after_row__lte=after).order_by("after_row")
    ctx.memory.restore((name, bytes(keys)) for name, keys in saved.values_list("name", "keys"))


def process_chunk(rows: list[Row], ctx: ImportContext, record: Callable = _record_chunk) -> None:
    ctx.spec.validate(rows, ctx)
    _reject_duplicates(rows, ctx)
    _reject_broken_groups(rows, ctx.spec)
    _write_chunk(rows, ctx, record)


# The job --------------------------------------------------------------------------------


def _summary(job: FileJob) -> str:
    counts = {
        "processed": job.processed,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "failed": job.failed,
    }
    if not job.processed:
        text = _("The file has no data rows under its header: nothing was imported.")
    elif job.mode == ImportMode.VALIDATE_ONLY:  # what an import would do
        text = (
            _("Validation only, nothing was written.")
            + " "
            + _(
                "%(processed)s rows read: %(created)s would be created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(failed)s rejected."
            )
            % counts
        )
    else:
        text = (
            _(
                "%(processed)s rows read: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(failed)s rejected."
            )
            % counts
        )
    if job.held_back:
        text += " " + _(
            "Of the rejected rows, %(held)s have no error of their own: they were held back "
            "with a bad line of their order."
        ) % {"held": job.held_back}
    if note := wide_header_note(job.options.get("header_cells_found", 0)):
        text = f"{text} {note}"
    if note := _preview_note(job):
        text = f"{text} {note}"
    return text


PREVIEWED = (*OUTCOMES, "failed")


def previewed_counts(job: FileJob) -> dict[str, int]:
    """The counts a preview (a validate-only import) ended with, as its commit compares."""
    return {name: getattr(job, name) for name in PREVIEWED}


def _preview_note(job: FileJob) -> str:
    """For the import of a preview: whether it did what the preview said it would."""
    preview = job.options.get("preview")
    if not preview:
        return ""
    if previewed_counts(job) == preview["counts"]:
        return _("As previewed in job #%(job)s.") % {"job": preview["job"]}
    return _(
        "The data changed since the preview (job #%(job)s), which expected %(created)s "
        "created, %(updated)s updated, %(unchanged)s unchanged, %(failed)s rejected."
    ) % {"job": preview["job"], **preview["counts"]}


def import_context(job: FileJob, claim: Claim, present: Iterable[str]) -> ImportContext:
    """For a job whose header was remembered (``_remember_header``)."""
    ctx = ImportContext(
        job=job,
        claim=claim,
        user=job.owner,
        spec=get_spec(job.kind),
        mode=job.mode or ImportMode.CREATE_OR_UPDATE,
        tz=timezone.get_current_timezone(),
        present=set(present),
        width=len(job.options.get("header") or ()),
    )
    ctx.spec.prepare(ctx)
    return ctx


def import_rows(job: FileJob, claim: Claim, header: Header) -> None:
    """The one-task path: the rows under the header (those after the job's resume point,
    if it resumes), chunk after chunk, each committed on its own."""
    ctx = import_context(job, claim, (c.key for c in header.columns.values()))
    _restore_memory(ctx, job.resume_after)
    rows = convert_rows(header.rest, header.columns, ctx, after=job.resume_after)
    for chunk in chunked(rows, ctx.spec, CHUNK_ROWS):
        process_chunk(chunk, ctx)


def import_finish(job: FileJob, claim: Claim) -> None:
    """Write the error report and end the job; RunStopped if the claim was lost meanwhile
    (cancelled, or taken over), and then no row points to this run's report."""
    claim.check()
    job.refresh_from_db()
    report_name, options = rejected_rows_recorded(job)
    ended = claim.job_rows().update(
        status=JobStatus.SUCCEEDED,
        options=options,
        error_report_name=report_name,
        message=_summary(job),
        finished_at=timezone.now(),
        total=F("processed"),
    )
    if not ended:
        job_files.delete(report_name)
        raise claim.lost()
    ImportKeys.objects.filter(job=job).delete()  # nothing left to resume
    job_log.info("job {} import {} done: {}", job.pk, job.kind, _summary(job))


def encoding_note(job: FileJob) -> str:
    """For a csv whose encoding the reader guessed: which one it used, and what to do
    if that was wrong ('' otherwise)."""
    if not (job.options or {}).get("encoding_guessed"):
        return ""
    used = job.options.get("read_encoding", "")
    return _(
        "The CSV file was read as %(encoding)s, guessed from its content. If some text "
        "looks wrong, import the file again and choose its encoding."
    ) % {"encoding": ENCODINGS.get(used, used)}


def unreadable_message(exc: UnreadableFile) -> str:
    messages = {
        "empty": _("The file is empty."),
        "unsupported_type": _("The file is not an Excel (.xls, .xlsx) or CSV file."),
        "corrupt": _("The file is damaged and cannot be read."),
        "encrypted": _(
            "The file is password-protected: save it without a password and upload it again."
        ),
        "too_large_uncompressed": _(
            "The workbook expands to more than the allowed size; it may be a zip bomb."
        ),
        "bad_encoding": _(
            "The CSV file's encoding could not be recognised: import it again and choose "
            "its encoding (UTF-8, GBK...)."
        ),
        "too_many_rows": _("The sheet has more rows than allowed."),
    }
    if exc.code == "bad_encoding" and "line" in exc.params:
        return (
            _(
                "The CSV file cannot be read as %(encoding)s: line %(line)s holds bytes that are "
                "not %(encoding)s. Import it again and choose its encoding."
            )
            % exc.params
        )
    if exc.code == "over_limit":  # the detail names the part and the limit passed
        return _("The file goes past what the reader accepts (%(detail)s).") % {
            "detail": exc.detail
        }
    return messages.get(exc.code, _("The file cannot be read."))
