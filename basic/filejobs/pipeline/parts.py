"""Big imports split across workers.

The task that claimed the job reads the file once and deals its rows into parts by a
hash of each row's order number (or natural key, for kinds without orders): all lines
of an order and every repeat of a key land in the same part, in file order, so parts
never touch the same objects and any worker on any host may run any part. Each part is
a file of JSON lines in the job storage; the broker message carries the part's id only.

A part commits its rows, its rejected rows, the job's counters and its own ``done`` in
one transaction; the part whose commit brings ``parts_left`` to zero writes the error
report and ends the job. A part once committed is never run again.

Both paths give the same result for the same file: the file-reading task also marks
where the one-task path would cut its chunks, and a part cuts its chunks there too
whenever an order spans two of those chunks (see ``_cut_segments``).
"""

import datetime
import gzip
import json
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from loguru import logger

from basic.filejobs import job_files, scratch
from basic.filejobs.claims import Claim, stale_before
from basic.filejobs.errors import JobRefused, JobTakenOver
from basic.filejobs.models import FileJob, ImportPart, PartStatus
from basic.filejobs.pipeline.imports import (
    CHUNK_ROWS,
    Header,
    Tally,
    convert_rows,
    import_context,
    import_finish,
    is_blank_row,
    process_chunk,
)
from basic.filejobs.pipeline.seen_keys import SeenKeys
from basic.filejobs.sheets.specs import get_spec
from utils import excel_values
from utils.excel_read import CellError

job_log = logger.bind(concern="file")


# Deciding -------------------------------------------------------------------------------


def should_split(job: FileJob, header: Header) -> bool:
    """Split a fresh import whose sheet declares more rows than IMPORT_SPLIT_ROWS.

    A file that does not say how many rows it has (a rare xlsx without ``<dimension>``)
    and a job resuming a one-task run keep the one-task path. What a file declares only
    chooses the path: the parts are cut from the rows really read (``_Dealer``).
    """
    height = header.sheet.height
    if not height or job.resume_after:
        return False
    return height - header.row_number > settings.IMPORT_SPLIT_ROWS


# Payloads: JSON lines, typed cells as small objects -------------------------------------


def _encode_cell(value):
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.timedelta):  # an elapsed-time cell ([h]:mm)
        return {"ms": value // datetime.timedelta(milliseconds=1)}
    if isinstance(value, CellError):
        return {"e": value.text}
    raise TypeError(f"cell of type {type(value).__name__}")


_DECODERS = {
    "dt": datetime.datetime.fromisoformat,
    "d": datetime.date.fromisoformat,
    "t": datetime.time.fromisoformat,
    "e": CellError,
    "ms": lambda ms: datetime.timedelta(milliseconds=ms),
}


def _decode_object(obj: dict):
    if len(obj) == 1:
        ((tag, text),) = obj.items()
        decode = _DECODERS.get(tag)
        if decode is not None:
            return decode(text)
    return obj


def encode_segment(cut: bool, rows: list) -> str:
    segment = {"cut": cut, "rows": rows}
    return json.dumps(segment, ensure_ascii=False, separators=(",", ":"), default=_encode_cell)


def read_segments(name: str) -> Iterator[dict]:
    """The segments of a part: ``{"cut": bool, "rows": [[row number, cells], ...]}``."""
    with job_files.job_storage().open(name, "rb") as stored, gzip.open(stored, "rt") as lines:
        for line in lines:
            yield json.loads(line, object_hook=_decode_object)


# Splitting ------------------------------------------------------------------------------


class _Dealer:
    """Deals a sheet's rows into part files, marking the one-task path's chunk cuts.

    Rows go to a part by their identity: the order number for kinds with orders, the
    natural key otherwise. An identity met before goes to its part; a new one to the
    last part, or to a new part once the last has IMPORT_PART_ROWS rows. So parts are
    made from the non-blank rows read, whatever the file declares, none is empty, and
    a file needing more than IMPORT_MAX_PARTS is refused once it gets there.

    Within a part, the rows of one of the one-task path's chunks form a segment; a
    segment is marked ``cut`` when one of its orders already had lines in an earlier
    chunk, so the part starts a new chunk there.
    """

    def __init__(self, job: FileJob, header: Header, folder: Path):
        spec = get_spec(job.kind)
        tz = timezone.get_current_timezone()
        self.spec = spec
        self.folder = folder
        self.width = len(header.cells)  # cells of a row kept: the report's columns
        self.positions = sorted(header.columns)
        by_key = {column.key: position for position, column in header.columns.items()}
        # the group (order) decides the one-task path's cuts; the identity picks the part
        self.group_cells = [
            (by_key[key], spec.columns_by_key[key].converter(tz)) for key in spec.group_by
        ]
        self.identity_cells = (
            []  # grouped kinds are dealt by their order number
            if spec.group_by
            else [(by_key[key], spec.columns_by_key[key].converter(tz)) for key in spec.key]
        )
        self.paths: list[Path] = []
        self.counts: list[int] = []
        self._segments: list[list] = []
        self._cut: list[bool] = []
        self._files: list = []
        self._chunk = 0  # the one-task path's chunk number
        self._in_chunk = 0
        self._last_group = None
        self._chunk_of_identity = SeenKeys()  # identity → first chunk it was met in
        self._part_of_identity = SeenKeys()  # identity → its part
        self._stack: ExitStack | None = None

    @staticmethod
    def _convert(cells: list, wanted: list) -> tuple:
        values = []
        width = len(cells)
        for position, convert in wanted:
            raw = cells[position] if position < width else None
            try:
                values.append(convert(raw))
            except excel_values.ValueProblem:
                values.append(None)
        return tuple(values)

    def deal(self, rows) -> int:
        with ExitStack() as self._stack:
            for number, cells in rows:
                if not is_blank_row(cells, self.positions):
                    self._add(number, cells)
            self._flush()
        return sum(self.counts)

    def _part_of(self, identity) -> int:
        last = len(self.counts) - 1
        if last < 0 or self.counts[last] >= settings.IMPORT_PART_ROWS:
            last += 1  # where a new identity goes
        part = self._part_of_identity.first_row(identity, last)
        if part == len(self.counts):
            self._open_part()
        return part

    def _open_part(self) -> None:
        limit = settings.IMPORT_MAX_PARTS
        if len(self.counts) >= limit:
            raise JobRefused(
                _(
                    "The file has more than %(rows)s rows to import: it would take more than "
                    "%(parts)s parts of %(part_rows)s rows, the most one import may have."
                )
                % {
                    "rows": limit * settings.IMPORT_PART_ROWS,
                    "parts": limit,
                    "part_rows": settings.IMPORT_PART_ROWS,
                }
            )
        path = self.folder / f"part-{len(self.counts)}.jsonl.gz"
        part_file = gzip.open(path, "wt", compresslevel=1, encoding="utf-8")  # noqa: SIM115
        self._files.append(self._stack.enter_context(part_file))  # closed when deal() ends
        self.paths.append(path)
        self.counts.append(0)
        self._segments.append([])
        self._cut.append(False)

    def _add(self, number: int, cells: list) -> None:
        # the same rule as importer.chunked: a chunk ends after CHUNK_ROWS rows, never
        # between two lines of one order
        group = self._convert(cells, self.group_cells) if self.group_cells else None
        if self._in_chunk >= CHUNK_ROWS and (group is None or group != self._last_group):
            self._flush()
            self._chunk += 1
            self._in_chunk = 0
        self._in_chunk += 1
        self._last_group = group
        identity = self._convert(cells, self.identity_cells) if group is None else group[-1:]
        part = self._part_of(identity)
        if group is not None and (
            self._chunk_of_identity.first_row(identity, self._chunk) != self._chunk
        ):
            self._cut[part] = True
        if len(cells) > self.width:
            cells = cells[: self.width]
        self._segments[part].append([number, cells])
        self.counts[part] += 1

    def _flush(self) -> None:
        for part, rows in enumerate(self._segments):
            if rows:
                self._files[part].write(encode_segment(self._cut[part], rows) + "\n")
                self._segments[part] = []
                self._cut[part] = False


def payload_folder(job_id: int) -> str:
    return f"parts/{job_id}"


def _payload_name(job_id: int, number: int) -> str:
    return f"{payload_folder(job_id)}/{number}.jsonl.gz"


def import_split(job: FileJob, claim: Claim, header: Header) -> bool:
    """Read the rest of the sheet once into part files and record the parts: True when
    they are to be sent. A sheet with no row to import ends the job at once (False).

    Whatever way storing or recording the parts fails, no part file is left in the job
    storage.
    """
    with scratch.temporary_folder("parts-") as folder:
        dealer = _Dealer(job, header, folder)
        total = dealer.deal(header.rest)
        if not total:
            import_finish(job, claim)
            return False
        parts_payloads_delete(job.pk)  # left by an earlier attempt that died before recording
        names: list[str] = []
        try:
            for number, path in enumerate(dealer.paths):
                names.append(job_files.save_path(_payload_name(job.pk, number), path))
            _record_parts(job, claim, dealer.counts, names, total)
        except JobTakenOver:  # the job's folder is its new run's now: only ours go
            with suppress(*job_files.storage_errors()):
                for name in names:
                    job_files.delete(name)
            raise
        except BaseException:
            parts_payloads_delete(job.pk)
            raise
    job_log.info("job {}: {} rows cut into {} parts", job.pk, total, len(names))
    return True


def _record_parts(job: FileJob, claim: Claim, counts: list[int], names: list[str], total):
    records = [
        ImportPart(job=job, number=number, rows=count, payload_name=name)
        for number, (count, name) in enumerate(zip(counts, names, strict=True))
    ]
    with transaction.atomic():
        ImportPart.objects.bulk_create(records)
        recorded = claim.job_rows().update(
            parts_left=len(records), total=total, heartbeat_at=timezone.now()
        )
        if not recorded:
            transaction.set_rollback(True)
    if not recorded:
        raise claim.lost()


# Resuming -------------------------------------------------------------------------------


def parts_resume(job: FileJob, claim: Claim) -> bool:
    """A split job claimed again (the worker that ended it died, or the user retried it):
    the parts not committed become sendable again (True: the caller sends them); if all
    are committed, the job is ended (False).

    A part's ``attempts`` only grows: it is the token that tells a part's worker whether
    the part is still its own when it commits.
    """
    unfinished = job.parts.exclude(status=PartStatus.DONE)
    if not unfinished.exists():
        parts_finish(job, claim)
        return False
    unfinished.filter(Q(status=PartStatus.PENDING) | Q(heartbeat_at__lt=stale_before())).update(
        status=PartStatus.PENDING, sent_at=None
    )
    return True


def parts_finish(job: FileJob, claim: Claim) -> None:
    """End the split job (its last part committed): error report, job row, part files."""
    import_finish(job, claim)
    parts_payloads_delete(job.pk)


# Running a part -------------------------------------------------------------------------


def part_process(part: ImportPart, job: FileJob, claim: Claim) -> bool:
    """Process the part in one transaction; True when it was the job's last part."""
    ctx = import_context(job, claim, job.options["columns"])
    spec = ctx.spec
    columns = {
        position: spec.columns_by_key[key] for key, position in job.options["columns"].items()
    }
    try:
        segments = [
            (segment["cut"], list(convert_rows(segment["rows"], columns, ctx)))
            for segment in read_segments(part.payload_name)
        ]
    except job_files.storage_errors():
        claim.check()  # cancelled meanwhile: its part files went with the cancel
        raise
    tally = Tally(ctx)
    with transaction.atomic():
        for chunk in _cut_segments(segments):
            process_chunk(chunk, ctx, record=tally.add)  # each chunk first holds the claim
        done = claim.part_rows().update(status=PartStatus.DONE, finished_at=timezone.now())
        if not done:
            raise claim.lost()
        tally.save(claim, parts_left=F("parts_left") - 1)
        # the job row stays locked until commit: parts ending together count one by one
        left = FileJob.objects.filter(pk=job.pk).values_list("parts_left", flat=True).get()
    job_log.info(
        "job {} part {} committed: {} rows, {} parts left",
        job.pk,
        part.number,
        tally.processed,
        left,
    )
    return left == 0


def _cut_segments(segments: list[tuple[bool, list]]) -> Iterator[list]:
    """Chunks of about CHUNK_ROWS rows, cut only between segments, and always before a
    segment marked ``cut``: no chunk holds lines of one order that the one-task path
    would have written in two chunks."""
    chunk: list = []
    for cut, rows in segments:
        if chunk and (cut or len(chunk) >= CHUNK_ROWS):
            yield chunk
            chunk = []
        chunk.extend(rows)
    if chunk:
        yield chunk


def parts_payloads_delete(job_id: int) -> None:
    """Delete every part file of the job: the recorded ones, and any in its folder (a
    worker that died while storing them left them unrecorded)."""
    for part_id, name in (
        ImportPart.objects.filter(job_id=job_id)
        .exclude(payload_name="")
        .values_list("pk", "payload_name")
    ):
        try:
            job_files.delete(name)
        except job_files.storage_errors() as exc:
            job_log.warning("part {} payload not deleted: {}", part_id, exc)
            continue
        ImportPart.objects.filter(pk=part_id).update(payload_name="")
    try:
        job_files.delete_folder(payload_folder(job_id))
    except job_files.storage_errors() as exc:
        job_log.warning("job {} part files not deleted: {}", job_id, exc)
