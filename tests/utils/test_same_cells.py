"""One set of value rules (utils/excel_read/__init__.py): the same numbers under the same
number formats give the same values from an xlsx (openpyxl), an xls (xlwt) and, where
text can say it, a csv."""

import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import xlwt

from utils import excel_values
from utils.excel_read import CellError, open_workbook

# (number, number format, the value every workbook reader gives, what a csv holds)
CELLS = [
    (46350, "yyyy-mm-dd", datetime.date(2026, 11, 24), "2026-11-24"),
    (46350.5, "yyyy-mm-dd", datetime.datetime(2026, 11, 24, 12), "2026-11-24 12:00"),
    (46350, "yyyy-mm-dd hh:mm", datetime.datetime(2026, 11, 24), "2026-11-24 00:00"),
    (46350.4375, "m/d/yy h:mm", datetime.datetime(2026, 11, 24, 10, 30), "2026-11-24 10:30"),
    (46350, "mm-dd-yy", datetime.date(2026, 11, 24), "2026-11-24"),  # built-in id 14
    (0.5, "hh:mm", datetime.time(12), "12:00"),
    (0.6041666666666666, "h:mm:ss AM/PM", datetime.time(14, 30), "14:30:00"),
    (1.5, "hh:mm", datetime.datetime(1900, 1, 1, 12), None),  # a time format past a day
    (1.5, "[h]:mm:ss", datetime.timedelta(days=1, hours=12), None),
    (0.75, "[mm]:ss", datetime.timedelta(hours=18), None),
    (59, "yyyy-mm-dd", datetime.date(1900, 2, 28), "1900-02-28"),
    (61, "yyyy-mm-dd", datetime.date(1900, 3, 1), "1900-03-01"),
    (-3, "yyyy-mm-dd", -3, "-3"),  # no date: stays a number
    (-3.5, "yyyy-mm-dd hh:mm", -3.5, "-3.5"),
    (3_000_000, "yyyy-mm-dd", 3_000_000, "3000000"),  # past 9999-12-31
    (2958465, "yyyy-mm-dd", datetime.date(9999, 12, 31), "9999-12-31"),
    (-1e308, "yyyy-mm-dd", -1e308, None),  # no date, and no duration Python holds
    (1e300, "[h]:mm", 1e300, None),
    (45, "General", 45, "45"),
    (3.25, "0.00", 3.25, "3.25"),
    (13800138000, "0", 13800138000, "13800138000"),
]
XLWT_ERROR_CODES = {"#N/A": 0x2A}  # xlwt knows #N/A by its code only
OTHER = [True, False, CellError("#N/A"), CellError("#DIV/0!"), "  text "]


def xlsx_file(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row, (value, code, _expected, _text) in enumerate(CELLS, 1):
        cell = sheet.cell(row, 1, value)
        cell.number_format = code
    for column, value in enumerate(OTHER, 2):
        sheet.cell(1, column, value.text if isinstance(value, CellError) else value)
    book.save(path)
    return path


def xls_file(path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet")
    for row, (value, code, _expected, _text) in enumerate(CELLS):
        sheet.write(row, 0, value, xlwt.easyxf(num_format_str=code))
    for column, value in enumerate(OTHER, 1):
        if isinstance(value, CellError):
            code = XLWT_ERROR_CODES.get(value.text, value.text)
            sheet.row(0).set_cell_error(column, code)
        else:
            sheet.write(0, column, value)
    book.save(str(path))
    return path


def csv_file(path: Path) -> Path:
    lines = [text or "" for _value, _code, _expected, text in CELLS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def first_sheet(path: Path) -> list[list]:
    with open_workbook(path) as book:
        return [cells for _number, cells in next(book.sheets()).rows]


def test_xlsx_and_xls_give_the_same_values_for_the_same_cells(tmp_path):
    expected = [[value] for _number, _code, value, _text in CELLS]
    expected[0] = [expected[0][0], *OTHER]
    xlsx = first_sheet(xlsx_file(tmp_path / "cells.xlsx"))
    xls = first_sheet(xls_file(tmp_path / "cells.xls"))
    assert xlsx == expected
    assert xls == expected
    kinds = [[type(value) for value in row] for row in expected]
    assert [[type(v) for v in row] for row in xls] == kinds  # date is no datetime, 45 no 45.0
    assert [[type(v) for v in row] for row in xlsx] == kinds


def test_a_csv_of_the_shown_texts_converts_to_the_same_values(tmp_path):
    """csv cells are text; the converters read them as the workbooks' typed cells."""
    workbook = first_sheet(xls_file(tmp_path / "cells.xls"))
    csv = first_sheet(csv_file(tmp_path / "cells.csv"))
    compared = 0
    for (_value, _code, expected, text), typed, shown_row in zip(CELLS, workbook, csv, strict=True):
        if text is None:  # durations, times past a day, numbers past what a converter takes
            assert shown_row == []
            continue
        assert shown_row == [text]
        shown = text
        if isinstance(expected, datetime.datetime):
            tz = datetime.UTC
            assert excel_values.to_datetime(shown, tz=tz) == excel_values.to_datetime(
                typed[0], tz=tz
            )
        elif isinstance(expected, datetime.date):
            assert excel_values.to_date(shown) == excel_values.to_date(typed[0]) == expected
        elif isinstance(expected, datetime.time):
            assert datetime.time.fromisoformat(shown) == typed[0]
        else:
            assert excel_values.to_decimal(shown) == excel_values.to_decimal(typed[0])
            assert excel_values.to_decimal(shown) == Decimal(text)
        compared += 1
    assert compared == len([cell for cell in CELLS if cell[3] is not None])
