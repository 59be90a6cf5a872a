"""xls files as they come from the wild: stream names in capitals, files xlrd cannot
parse (read by python-calamine instead), bare BIFF2-4 worksheets."""

import datetime
from pathlib import Path

import pytest
import xlwt

from tests.utils import test_same_cells as same_cells
from tests.xls_edits import overcount_strings, overlap_root_with_workbook, rename_stream
from utils.excel_read import UnreadableFile, detect_format, open_workbook

DATA = Path(__file__).resolve().parent.parent / "data" / "xls"
ROWS = [["sku", "名称", "qty"], ["A-1", "苹果", 3], ["B-2", "橙子", 4]]


def read_all(path, **limits) -> dict[str, list[tuple[int, list]]]:
    with open_workbook(path, **limits) as book:
        return {sheet.name: list(sheet.rows) for sheet in book.sheets()}


def xlwt_file(path: Path, rows=ROWS, *, at=(0, 0), extra_rows: int = 0) -> Path:
    """A BIFF8 workbook written by xlwt; `extra_rows` makes its stream pass the 4 KB
    under which a compound file keeps streams in its mini stream."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("商品")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(at[0] + r, at[1] + c, value)
    for r in range(extra_rows):
        sheet.write(at[0] + len(rows) + r, at[1], f"SKU{r:04}")
    book.save(str(path))
    return path


@pytest.mark.parametrize("name", ["WORKBOOK", "BOOK", "workbook"])
def test_xls_whose_stream_name_is_in_another_case_is_read(tmp_path, name):
    path = rename_stream(xlwt_file(tmp_path / "caps.xls"), name)
    assert read_all(path) == {"商品": [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]}


def test_xls_with_two_entries_claiming_one_sector_is_read_by_calamine(tmp_path):
    path = overlap_root_with_workbook(xlwt_file(tmp_path / "odd.xls", extra_rows=300))
    rows = read_all(path)["商品"]
    assert rows[:3] == [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]
    assert rows[-1] == (303, ["SKU0299"])


def test_xls_whose_string_table_declares_too_many_strings_is_read_by_calamine(tmp_path):
    path = overcount_strings(xlwt_file(tmp_path / "sst.xls"))
    with open_workbook(path) as book:
        assert book.format == "xls"
        (sheet,) = book.sheets()
        assert (sheet.name, sheet.index, sheet.height) == ("商品", 0, 3)
        assert list(sheet.rows) == [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]


def test_calamine_keeps_leading_blank_rows_and_columns_and_the_row_limit(tmp_path):
    path = overcount_strings(xlwt_file(tmp_path / "far.xls", at=(2, 1)))
    assert read_all(path)["商品"] == [
        (1, []),
        (2, []),
        (3, [None, *ROWS[0]]),
        (4, [None, *ROWS[1]]),
        (5, [None, *ROWS[2]]),
    ]
    with pytest.raises(UnreadableFile) as caught:
        open_workbook(path, max_rows=4).sheets().__next__()
    assert caught.value.code == "too_many_rows"
    assert caught.value.params == {"max_rows": 4, "rows": 5}


def test_xls_that_neither_reader_can_parse_is_corrupt(tmp_path):
    path = overcount_strings(xlwt_file(tmp_path / "both.xls", extra_rows=300))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])
    with pytest.raises(UnreadableFile) as caught:
        read_all(path)
    assert caught.value.code == "corrupt"


def test_bare_biff4_worksheet_is_read():
    """tests/data/xls/biff4_no_ole.xls: an Excel 4.0 worksheet, no OLE2 container
    (tests/data/xls/MANIFEST.md says where it comes from)."""
    path = DATA / "biff4_no_ole.xls"
    assert detect_format(path.read_bytes()[:64]) == "xls"
    sheets = read_all(path)
    ((_name, rows),) = sheets.items()
    assert len(rows) == 27
    assert rows[0] == (1, ["ID", "TOTAL", "MAIN", "SUB"])
    assert rows[1] == (2, ["A", "DOG & CAT PRODUCTS", "Dog & Cat Product"])


def test_a_bare_biff_header_with_nothing_readable_after_it_is_corrupt(tmp_path):
    path = tmp_path / "biff2.xls"
    path.write_bytes(b"\x09\x00\x04\x00\x00\x00\x10\x00" + b"\xff" * 40)
    with pytest.raises(UnreadableFile) as caught:
        read_all(path)
    assert caught.value.code == "corrupt"


def _far_cells_file(path: Path) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("S")
    sheet.write(0, 0, "a")
    sheet.write(65535, 255, "z")
    book.save(str(path))
    return path


def test_a_far_cell_costs_xlrd_one_row_not_the_whole_sheet(tmp_path):
    """A 5 KB file with values at A1 and IV65536: each row holds its own cells only."""
    with open_workbook(_far_cells_file(tmp_path / "far.xls")) as book:
        rows = list(next(book.sheets()).rows)
    assert len(rows) == 65536
    assert rows[0] == (1, ["a"]) and rows[-1] == (65536, [None] * 255 + ["z"])
    assert sum(len(cells) for _number, cells in rows) == 257


def test_calamine_is_not_given_a_sheet_range_past_its_bound(tmp_path):
    """The same cells in a file only calamine reads: its dense range would be 16.7
    million cells (1 GB), so the file is refused before calamine reads it."""
    path = overcount_strings(_far_cells_file(tmp_path / "far.xls"))
    with pytest.raises(UnreadableFile) as caught:
        open_workbook(path)
    assert caught.value.code == "over_limit"
    assert caught.value.params == {"part": "xls sheet", "limit": "cells per sheet"}
    assert "16777216 cells" in caught.value.detail


def test_xls_numbers_that_are_no_number_under_a_date_format_stay_floats(tmp_path):
    date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    path = tmp_path / "nan.xls"
    book = xlwt.Workbook()
    sheet = book.add_sheet("S")
    for column, value in enumerate([float("nan"), float("inf"), -1e308]):
        sheet.write(0, column, value, date)
    book.save(str(path))
    ((_number, (nan, inf, tiny)),) = next(iter(read_all(path).values()))
    assert nan != nan and inf == float("inf") and tiny == -1e308


def test_calamine_gives_the_value_rules_but_for_the_differences_it_documents(tmp_path):
    """utils/excel_read/xls_calamine.py names what calamine converts otherwise: a
    date-time format at midnight is a date, a negative serial under a date format a
    time, an error cell empty."""
    cells = [cell for cell in same_cells.CELLS if abs(cell[0]) < 1e100]
    book = xlwt.Workbook()
    sheet = book.add_sheet("S")
    for row, (value, code, _expected, _text) in enumerate(cells):
        sheet.write(row, 0, value, xlwt.easyxf(num_format_str=code))
    sheet.row(0).set_cell_error(1, "#DIV/0!")
    sheet.write(0, 2, True)
    book.save(str(tmp_path / "cells.xls"))
    path = overcount_strings(tmp_path / "cells.xls")
    rows = [cells_read for _number, cells_read in next(iter(read_all(path).values()))]
    differences = {
        (value, code): (expected, row[0])
        for (value, code, expected, _text), row in zip(cells, rows, strict=True)
        if (type(row[0]), row[0]) != (type(expected), expected)
    }
    assert differences == {
        (46350, "yyyy-mm-dd hh:mm"): (datetime.datetime(2026, 11, 24), datetime.date(2026, 11, 24)),
        (-3, "yyyy-mm-dd"): (-3, datetime.time(0)),
        (-3.5, "yyyy-mm-dd hh:mm"): (-3.5, datetime.time(12)),
    }
    assert rows[0][1:] == [None, True]


def test_a_value_calamine_cannot_convert_refuses_the_file_instead_of_a_panic(tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("S")
    sheet.write(0, 0, "ok")
    sheet.write(1, 0, -1e308, xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    book.save(str(tmp_path / "panic.xls"))
    with pytest.raises(UnreadableFile) as caught:
        read_all(overcount_strings(tmp_path / "panic.xls"))
    assert caught.value.code == "corrupt"
    assert "row 2" in caught.value.detail
