"""Our streaming xlsx reader gives what python-calamine (a full reader) gives, cell by cell.

calamine is the reference here only: it holds a whole sheet in memory, so the app does not
use it. Known, intended differences are normalised before comparing: calamine turns error
cells into '' (we keep them as CellError) and a date-time cell at midnight into a date.
"""

import datetime
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from utils.excel_read import CellError, UnreadableFile, open_workbook

DATA = Path(__file__).resolve().parent.parent / "data"
REAL = DATA / "real"


def ours(path: Path) -> dict[str, dict[int, list]]:
    with open_workbook(path) as book:
        return {sheet.name: {n: v for n, v in sheet.rows if v} for sheet in book.sheets()}


def calamine(path: Path) -> dict[str, dict[int, list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    sheets = {}
    for meta in book.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        rows = {}
        # From A1: iter_rows() and start disagree on where a sheet with leading blank
        # rows begins (iter_rows yields those rows, start counts them too).
        for number, raw in enumerate(sheet.to_python(skip_empty_area=False), start=1):
            values = [None if v == "" else v for v in raw]
            while values and values[-1] is None:
                values.pop()
            if values:
                rows[number] = values
        sheets[meta.name] = rows
    return sheets


def comparable(value):
    if isinstance(value, CellError):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date()
    return value


def trimmed(values: list) -> list:
    while values and values[-1] is None:
        values.pop()
    return values


def normalised(sheets):
    return {
        name: {
            n: cells
            for n, values in rows.items()
            if (cells := trimmed([comparable(v) for v in values]))
        }
        for name, rows in sheets.items()
    }


def used_cells(sheets) -> int:
    """The rectangle calamine allocates for the largest sheet."""
    return max(
        (max(rows) * max(map(len, rows.values())) for rows in sheets.values() if rows), default=0
    )


def readable_fixtures() -> list[Path]:
    """The fixtures both readers can read (calamine aborts on a far stray cell); the
    real-world corpus (data/real) has its own test, test_real_corpus."""
    paths = []
    for path in sorted(DATA.rglob("*.xlsx")):
        if REAL in path.parents or not path.read_bytes().startswith(b"PK"):
            continue  # another kind of file under an .xlsx name
        try:
            if used_cells(ours(path)) < 1_000_000:
                paths.append(path)
        except UnreadableFile:
            continue
    return paths


@pytest.mark.parametrize("path", readable_fixtures(), ids=lambda p: p.name)
def test_every_readable_fixture_reads_as_calamine_reads_it(path):
    assert normalised(ours(path)) == normalised(calamine(path))


def test_shared_and_rich_strings_formats_and_formulas(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "订单"
    bold = InlineFont(b=True)
    sheet.append(["店铺编码", "金额", "下单时间", "日期", "时长", "比例", "备注"])
    sheet.append(
        [
            CellRichText(["A", TextBlock(bold, "001"), " 店"]),
            1234.5,
            datetime.datetime(2026, 11, 24, 10, 30),
            datetime.date(2026, 11, 24),
            datetime.timedelta(hours=30, minutes=15),
            0.125,
            'quote " & <tag> 换行\n第二行',
        ]
    )
    sheet.append(["A001", "=B2*2", None, None, None, None, "  空格  "])
    sheet["B3"].value = "=B2*2"
    sheet["C2"].number_format = "yyyy年m月d日 hh:mm"
    sheet["D2"].number_format = 'yyyy"年"m"月"d"日"'
    sheet["F2"].number_format = "0.00%"
    sheet.append([13800138000, -0.5, True, False, "_x000D_ literal", "x" * 300, 2**53])
    path = tmp_path / "mixed.xlsx"
    book.save(path)
    assert normalised(ours(path)) == normalised(calamine(path))
    rows = ours(path)["订单"]
    assert rows[2][0] == "A001 店"
    assert rows[2][2] == datetime.datetime(2026, 11, 24, 10, 30)
    assert rows[2][3] == datetime.date(2026, 11, 24)
    assert rows[2][4] == datetime.timedelta(hours=30, minutes=15)
    assert rows[2][6] == 'quote " & <tag> 换行\n第二行'


def test_a_1904_workbook_reads_its_dates_as_calamine_does(tmp_path):
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    book.active.append(["下单时间", datetime.datetime(2026, 11, 24, 8, 0)])
    path = tmp_path / "mac.xlsx"
    book.save(path)
    assert ours(path)["Sheet"][1][1] == datetime.datetime(2026, 11, 24, 8, 0)
    assert normalised(ours(path)) == normalised(calamine(path))
