"""An import's own limits: what a file declares never decides the work, a header is read
up to a width, a cancel stops the reader within a number of rows.

The jobs run in this process (parts as direct calls, as in test_import_parts.py); the
cost of a hostile file is bounded by what is counted (rows read, parts and files made,
bytes kept), never by the clock.
"""

import json
import re
import zipfile

import pytest

from basic.filejobs import job_files
from basic.filejobs.errors import StorageUnavailable
from basic.filejobs.lifecycle import job_cancel
from basic.filejobs.models import FileJob, ImportPart, ImportRowError, JobStatus
from basic.filejobs.pipeline import import_job
from basic.filejobs.runner import job_run
from store.models import Order, OrderItem
from tests.basic.test_import_parts import small_sizes, stored_part_files  # noqa: F401
from tests.job_helpers import SKUS, stored_import, stored_report
from tests.order_files import HEADER, order_sheet, write_csv, write_xlsx
from tests.utils.xlsx_parts import build, sheet_xml
from utils.excel_read import open_workbook

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("small_sizes")]


def _run(user, path) -> FileJob:
    job = stored_import(user, path)
    job_run(job_id=job.pk, worker="test")
    return FileJob.objects.get(pk=job.pk)


def _declaring(path, rows: int):
    """The xlsx at ``path``, its <dimension> rewritten to declare ``rows`` rows."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(
        rb'<dimension ref="[^"]*"', f'<dimension ref="A1:T{rows}"'.encode(), parts[sheet]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


# Parts ----------------------------------------------------------------------------------


def test_a_sheet_declaring_twenty_thousand_rows_for_five_makes_one_part_and_leaves_no_file(
    operator, tmp_path
):
    path = write_xlsx(tmp_path / "o.xlsx", order_sheet(5, stores=["A001"], skus=SKUS).rows)
    path = _declaring(path, 20_001)  # 200 parts of 100 rows, if the file were believed
    with open_workbook(path) as book:
        assert next(book.sheets()).height == 20_001

    job = _run(operator, path)

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.processed, job.created) == (5, 5)
    assert list(job.parts.values_list("rows", flat=True)) == [5]
    assert stored_part_files(job) == []


def test_a_csv_of_blank_lines_ends_at_once_with_no_rows(operator, tmp_path):
    """200,000 blank lines after the header: counted as records (the split path is
    taken), but no row to import, so no part and no job left running."""
    path = tmp_path / "blank.csv"
    path.write_text(",".join(HEADER) + "\n" + "\n" * 200_000, encoding="utf-8")

    job = _run(operator, path)

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.processed, job.failed) == (0, 0)
    assert job.message.startswith("The file has no data rows under its header")
    assert not job.parts.exists() and stored_part_files(job) == []


def test_a_file_needing_more_parts_than_allowed_is_refused_and_leaves_no_file(
    operator, settings, tmp_path
):
    settings.IMPORT_MAX_PARTS = 3  # parts of 100 rows: 300 rows at most
    path = write_csv(tmp_path / "o.csv", order_sheet(600, stores=["A001"], skus=SKUS).rows)

    job = _run(operator, path)

    assert job.status == JobStatus.FAILED
    assert job.message == (
        "The file has more than 300 rows to import: it would take more than 3 parts of "
        "100 rows, the most one import may have."
    )
    assert not job.parts.exists() and stored_part_files(job) == []
    assert not OrderItem.objects.exists()


def test_parts_stored_before_the_storage_failed_are_deleted(operator, monkeypatch, tmp_path):
    path = write_csv(tmp_path / "o.csv", order_sheet(600, stores=["A001"], skus=SKUS).rows)
    real_save_path, saved = job_files.save_path, []

    def full_at_the_third(name, local):
        if len(saved) == 2:
            raise StorageUnavailable(28, "No space left on device")
        saved.append(name)
        return real_save_path(name, local)

    monkeypatch.setattr(job_files, "save_path", full_at_the_third)
    job = _run(operator, path)

    assert job.status == JobStatus.FAILED and "No space left on device" in job.message
    assert len(saved) == 2 and stored_part_files(job) == []
    assert not job.parts.exists()


def test_cancelling_a_split_import_deletes_its_part_files(operator, settings, tmp_path):
    settings.IMPORT_PARTS_AT_ONCE = 0  # the parts are recorded, and none is sent
    path = write_csv(tmp_path / "o.csv", order_sheet(600, stores=["A001"], skus=SKUS).rows)
    job = _run(operator, path)
    assert job.status == JobStatus.RUNNING and len(stored_part_files(job)) == 6

    assert job_cancel(job=job)

    assert stored_part_files(job) == []
    assert set(job.parts.values_list("payload_name", flat=True)) == {""}


# Header ---------------------------------------------------------------------------------


def test_a_header_of_16_000_columns_is_kept_to_its_first_1024(operator, settings, tmp_path):
    """Before this limit such a header was kept whole on the job (options of MBs, every
    job list slowed) and written to an error report of 16,000 columns."""
    extra = [f"extra{n}" for n in range(16_000 - len(HEADER))]
    rows = [[*row, *("x" * len(extra))] for row in order_sheet(3, stores=["A001"], skus=SKUS).rows]
    rows[0][0] = "NO-SUCH-STORE"
    path = write_csv(tmp_path / "wide.csv", rows, header=[*HEADER, *extra])
    assert settings.IMPORT_MAX_HEADER_CELLS == 1024

    job = _run(operator, path)

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.failed > 0 and job.processed == 3
    assert "The header row has 16000 columns; only the first 1024 (up to column AMJ)" in (
        job.message
    )
    assert len(job.options["header"]) == 1024
    assert len(job.options["ignored_columns"]) == 1024 - len(HEADER)
    assert len(json.dumps(job.options)) < 40_000
    assert {len(cells) for cells in ImportRowError.objects.values_list("cells", flat=True)} == {
        1024
    }
    report = stored_report(job)
    assert {len(row) for row in report} == {1024 + 2}  # the header's cells, error, row
    assert report[0][: len(HEADER)] == tuple(HEADER)


def test_required_columns_past_the_header_limit_are_said_to_be_past_it(
    operator, settings, tmp_path
):
    settings.IMPORT_MAX_HEADER_CELLS = 10
    path = write_csv(tmp_path / "o.csv", order_sheet(3, stores=["A001"], skus=SKUS).rows)

    job = _run(operator, path)

    assert job.status == JobStatus.FAILED
    assert "missing required columns" in job.message
    assert job.message.endswith(
        "The header row has 20 columns; only the first 10 (up to column J) were read, "
        "the rest ignored."
    )


# Cancel ---------------------------------------------------------------------------------


class CountingReader:
    """``open_workbook`` with the rows it yields counted, the job cancelled at a row."""

    def __init__(self, job: FileJob, cancel_at: int):
        self.job, self.cancel_at = job, cancel_at
        self.read = 0

    def __call__(self, path, **options):
        book = open_workbook(path, **options)
        sheets = book.sheets
        book.sheets = lambda: (self._counted(sheet) for sheet in sheets())
        return book

    def _counted(self, sheet):
        rows = sheet.rows
        sheet.rows = (self._count(row) for row in rows)
        return sheet

    def _count(self, row):
        self.read += 1
        if self.read == self.cancel_at:
            assert job_cancel(job=self.job)
        return row

    @property
    def read_after_cancel(self) -> int:
        return self.read - self.cancel_at


def _cancelled_while_reading(operator, path, monkeypatch, *, cancel_at: int):
    """Run the import of `path` here, cancelled once its reader has given `cancel_at`
    rows: the job as it ended, and the reader (how many rows it gave after the cancel)."""
    job = stored_import(operator, path)
    reader = CountingReader(job, cancel_at=cancel_at)
    monkeypatch.setattr(import_job, "open_workbook", reader)
    job_run(job_id=job.pk, worker="test")
    job.refresh_from_db()
    return job, reader


def test_a_cancel_stops_a_stretch_of_blank_rows_within_the_check_interval(
    operator, settings, monkeypatch, tmp_path
):
    """Row 2, then row 1,000,000: the reader yields the blank rows between, no chunk is
    ever committed, and the cancel is seen between rows."""
    settings.IMPORT_CANCEL_CHECK_ROWS = 1000
    cells = "".join(
        f'<c r="{letter}{{row}}" t="inlineStr"><is><t>{text}</t></is></c>'
        for letter, text in zip("ABCDEFGHIJKLMNOPQRST", HEADER, strict=False)
    )
    xml = sheet_xml(
        f'<row r="1">{cells.format(row=1)}</row>'
        f'<row r="2"><c r="A2"><v>1</v></c></row>'
        f'<row r="1000000"><c r="A1000000"><v>1</v></c></row>'
    )
    path = build(tmp_path / "far.xlsx", xml)  # no <dimension>: the one-task path

    job, reader = _cancelled_while_reading(operator, path, monkeypatch, cancel_at=5_000)

    assert job.status == JobStatus.CANCELLED
    assert 0 <= reader.read_after_cancel <= 1000
    assert job.processed == 0


def test_a_cancel_stops_the_reading_of_a_file_being_split(
    operator, settings, monkeypatch, tmp_path
):
    settings.IMPORT_CANCEL_CHECK_ROWS = 1000
    rows = order_sheet(150, stores=["A001"], skus=SKUS).rows
    path = write_csv(tmp_path / "o.csv", rows + [[]] * 100_000)

    job, reader = _cancelled_while_reading(operator, path, monkeypatch, cancel_at=3_000)

    assert job.status == JobStatus.CANCELLED
    assert 0 <= reader.read_after_cancel <= 1000
    assert not ImportPart.objects.filter(job=job).exists() and stored_part_files(job) == []


def test_a_row_longer_than_the_row_before_it_keeps_every_cell(operator, tmp_path):
    """Rows are cut to the header's width only: a row whose last cells are empty (and so
    trimmed by the reader) must not shorten the rows after it."""
    remark = HEADER.index("备注")
    header = [*HEADER[:remark], *HEADER[remark + 1 :], "备注"]
    rows = order_sheet(2, stores=["A001"], skus=SKUS, prefix="W").rows[:2]
    rows = [[*row[:remark], *row[remark + 1 :]] for row in rows]
    rows[0].append("")
    rows[1].append("送礼，请包装")
    rows[1][HEADER.index("平台订单号")] = rows[0][HEADER.index("平台订单号")] + "-2"

    job = _run(operator, write_csv(tmp_path / "remark_last.csv", rows, header=header))

    assert job.status == JobStatus.SUCCEEDED and job.failed == 0, job.message
    remarks = dict(Order.objects.values_list("platform_order_no", "remark"))
    assert sorted(remarks.values()) == ["", "送礼，请包装"]
