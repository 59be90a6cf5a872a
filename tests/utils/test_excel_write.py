import csv
import datetime
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
import xlrd
import xlwt

from utils.excel_read import open_workbook
from utils.excel_values import to_text
from utils.excel_write import (
    ColumnFormat,
    SheetWriter,
    column_widths,
    display_width,
    escape_formula,
    sheet_title,
)

COLUMNS = [
    ColumnFormat("名称"),
    ColumnFormat("数量", kind="int"),
    ColumnFormat("单价", kind="decimal", width=12),
    ColumnFormat("日期", kind="date"),
    ColumnFormat("下单时间", kind="datetime"),
    ColumnFormat("启用"),
]
ROW = [
    '=HYPERLINK("http://x")',
    3,
    Decimal("19.90"),
    datetime.date(2026, 11, 24),
    datetime.datetime(2026, 11, 24, 10, 30, 5),
    True,
]


def write(path, fmt, rows, *, columns=COLUMNS, highlight=None, **options) -> SheetWriter:
    with SheetWriter(path, fmt=fmt, sheet_name="订单", columns=columns, **options) as writer:
        for i, row in enumerate(rows):
            writer.write_row(row, highlight=(highlight or {}).get(i, ()))
    return writer


# --- helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (-1.5, -1.5),
        (Decimal("-3"), Decimal("-3")),
        (None, None),
    ],
)
def test_escape_formula(value, expected):
    assert escape_formula(value) == expected


def test_escaped_text_reads_back_as_typed():
    assert to_text(escape_formula("=1+1")) == "=1+1"


def test_headers_copied_from_a_sheet_may_be_numbers_or_none():
    assert ColumnFormat(2026).header == "2026"
    assert ColumnFormat(None).header == ""


def test_widths_and_titles():
    assert display_width("订单ab") == 6
    headers = [ColumnFormat("x"), ColumnFormat("下单时间下单时间"), ColumnFormat("x" * 80)]
    assert column_widths([*headers, ColumnFormat("x", width=30)], []) == [8, 18, 50, 30]


def test_titles():
    assert sheet_title("订单") == "订单"
    assert sheet_title("a/b:c") == "a_b_c"
    assert sheet_title("x" * 40) == "x" * 31
    assert sheet_title("x" * 40, 2) == "x" * 27 + " (2)"


def test_columns_are_as_wide_as_the_sampled_values_show_and_dates_as_their_format():
    columns = [
        ColumnFormat("地址"),
        ColumnFormat("下单时间", kind="datetime"),  # no value in the sample
        ColumnFormat("单价", kind="decimal"),
        ColumnFormat("数量", kind="int"),
        ColumnFormat("备注"),
    ]
    rows = [
        ["上海市浦东新区张江路100号", None, Decimal("1234567.5"), 12345678, "x" * 90],
        ["北京", None, Decimal("1.00"), 1, "第一行\n第二行第二行第二行"],
    ]
    assert column_widths(columns, rows) == [27, 21, 12, 10, 50]


@pytest.mark.parametrize(
    "options",
    [
        {"fmt": "pdf"},
        {"fmt": "xls", "columns": []},
        {"fmt": "xls", "columns": [ColumnFormat("a", kind="money")]},
        {"fmt": "xls", "max_xls_rows": 65536},
        {"fmt": "xls", "max_xls_rows": 0},
    ],
)
def test_bad_arguments_are_refused(tmp_path, options):
    options = {"columns": COLUMNS, **options}
    with pytest.raises(ValueError):
        SheetWriter(tmp_path / "x", sheet_name="S", **options)


def test_too_many_values_are_refused(tmp_path):
    writer = SheetWriter(tmp_path / "x.csv", fmt="csv", sheet_name="S", columns=COLUMNS[:1])
    with writer, pytest.raises(ValueError):
        writer.write_row(["a", "b"])


# --- xlsx ---------------------------------------------------------------------------


def test_xlsx_header_values_and_formats(tmp_path):
    path = tmp_path / "out.xlsx"
    write(path, "xlsx", [ROW, ["+1+1", None, 1.5, None, None, False], ["123", 10**15]])
    book = openpyxl.load_workbook(path)
    sheet = book["订单"]
    assert book.sheetnames == ["订单"] and sheet.max_row == 4  # the header and the 3 rows
    assert sheet.freeze_panes == "A2"
    header = sheet["A1"]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert header.font.b and header.font.name == "宋体"
    assert header.fill.fgColor.rgb.endswith("C0C0C0")
    assert header.border.left.style == "thin"
    assert sheet.column_dimensions["C"].width == pytest.approx(12, abs=1)

    link = sheet["A2"]
    assert link.data_type == "s" and link.value == '\'=HYPERLINK("http://x")'
    assert sheet["B2"].value == 3 and sheet["B2"].data_type == "n"
    assert sheet["C2"].value == pytest.approx(19.9) and sheet["C2"].number_format == "0.00"
    assert sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["E2"].value == datetime.datetime(2026, 11, 24, 10, 30, 5)
    assert sheet["E2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["F2"].value is True
    assert sheet["A3"].value == "'+1+1"
    assert sheet["B3"].value is None
    assert sheet["A4"].value == "123" and sheet["A4"].data_type == "s"
    assert sheet["A4"].number_format == "@"
    assert sheet["B4"].value == str(10**15)  # too many digits for Excel's 15
    book.close()


def test_xlsx_highlight_fills_the_cell(tmp_path):
    path = tmp_path / "report.xlsx"
    write(path, "xlsx", [["ok", "bad"], ["x", None, "also bad"]], highlight={0: [1], 1: [1, 2]})
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].fill.fill_type is None
    assert sheet["B2"].fill.fill_type == "solid" and sheet["B2"].fill.fgColor.rgb.endswith("FFFF00")
    assert sheet["B2"].font.color.rgb.endswith("FF0000")
    assert sheet["B3"].fill.fill_type == "solid"  # an empty cell can be marked too
    assert sheet["C3"].fill.fill_type == "solid"


def test_xlsx_aware_datetime_is_written_as_its_own_wall_time(tmp_path):
    path = tmp_path / "tz.xlsx"
    moment = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    write(path, "xlsx", [[None, None, None, None, moment]])
    assert openpyxl.load_workbook(path).active["E2"].value == datetime.datetime(2026, 11, 24, 10)


def test_xlsx_reads_back_through_the_reader(tmp_path):
    path = tmp_path / "round.xlsx"
    write(path, "xlsx", [ROW])
    with open_workbook(path) as book:
        rows = list(next(book.sheets()).rows)
    assert rows[1] == (2, ['\'=HYPERLINK("http://x")', 3, 19.9, *ROW[3:]])


# --- xls ----------------------------------------------------------------------------


def xls_font(book, sheet, row, col):
    return book.font_list[book.xf_list[sheet.cell_xf_index(row, col)].font_index]


def test_xls_header_values_and_formats(tmp_path):
    path = tmp_path / "out.xls"
    write(path, "xls", [ROW, ["+1+1", None, 1.5]])
    book = xlrd.open_workbook(str(path), formatting_info=True)
    sheet = book.sheet_by_index(0)
    assert book.sheet_names() == ["订单"] and sheet.nrows == 3  # the header and the 2 rows
    assert sheet.row_values(0) == [c.header for c in COLUMNS]
    font = xls_font(book, sheet, 0, 0)
    assert font.name == "宋体" and font.bold
    assert sheet.panes_are_frozen and sheet.horz_split_pos == 1
    assert sheet.colinfo_map[2].width == 12 * 256

    assert sheet.cell_value(1, 0) == '\'=HYPERLINK("http://x")'
    assert sheet.cell_type(1, 1) == xlrd.XL_CELL_NUMBER and sheet.cell_value(1, 1) == 3
    assert sheet.cell_value(1, 2) == pytest.approx(19.9)
    assert book.format_map[book.xf_list[sheet.cell_xf_index(1, 2)].format_key].format_str == "0.00"
    assert sheet.cell_type(1, 3) == xlrd.XL_CELL_DATE
    assert sheet.cell_type(1, 4) == xlrd.XL_CELL_DATE
    moment = xlrd.xldate_as_datetime(sheet.cell_value(1, 4), book.datemode)
    assert moment == datetime.datetime(2026, 11, 24, 10, 30, 5)
    assert sheet.cell_type(1, 5) == xlrd.XL_CELL_BOOLEAN
    assert sheet.cell_value(2, 0) == "'+1+1"
    assert sheet.cell_type(2, 1) == xlrd.XL_CELL_BLANK
    assert not xls_font(book, sheet, 1, 0).bold


def test_xls_highlight_changes_the_pattern_colour(tmp_path):
    path = tmp_path / "report.xls"
    write(path, "xls", [["ok", "bad"]], highlight={0: [1]})
    book = xlrd.open_workbook(str(path), formatting_info=True)
    sheet = book.sheet_by_index(0)
    plain = book.xf_list[sheet.cell_xf_index(1, 0)].background.pattern_colour_index
    marked = book.xf_list[sheet.cell_xf_index(1, 1)].background.pattern_colour_index
    assert plain == xlwt.Style.colour_map["white"]
    assert marked == xlwt.Style.colour_map["yellow"] != plain
    assert xls_font(book, sheet, 1, 1).colour_index == xlwt.Style.colour_map["red"]


def test_xls_continues_on_new_sheets_with_the_header(tmp_path):
    path = tmp_path / "big.xls"
    columns = [ColumnFormat("n", kind="int"), ColumnFormat("text")]
    with SheetWriter(
        path, fmt="xls", sheet_name="X", columns=columns, max_xls_rows=65535
    ) as writer:
        for n in range(70_000):
            writer.write_row([n, f"row {n}"])
    book = xlrd.open_workbook(str(path))
    assert book.sheet_names() == ["X", "X (2)"]
    first, second = book.sheets()
    assert (first.nrows - 1, second.nrows - 1) == (65535, 4465)  # the 70,000 rows
    assert first.row_values(0) == second.row_values(0) == ["n", "text"]
    assert first.row_values(65535) == [65534, "row 65534"]
    assert second.row_values(1) == [65535, "row 65535"]
    assert second.row_values(4465) == [69999, "row 69999"]


def test_xls_new_sheet_names_fit_31_characters(tmp_path):
    path = tmp_path / "names.xls"
    with SheetWriter(
        path, fmt="xls", sheet_name="n" * 40, columns=[ColumnFormat("a")], max_xls_rows=2
    ) as writer:
        for n in range(5):
            writer.write_row([str(n)])
    names = xlrd.open_workbook(str(path)).sheet_names()
    assert names == ["n" * 31, "n" * 27 + " (2)", "n" * 27 + " (3)"]


# --- csv ----------------------------------------------------------------------------


def test_csv_bom_escaping_and_plain_values(tmp_path):
    path = tmp_path / "out.csv"
    moment = datetime.datetime(2026, 11, 24, 10, 30, 5, 123, tzinfo=datetime.UTC)
    rows = [ROW, ["+1+1", -4, Decimal("1E+2"), None, moment, False], ["a,b", 0.5]]
    write(path, "csv", rows, highlight={0: [0]})
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as file:
        read = list(csv.reader(file))
    assert read == [
        [c.header for c in COLUMNS],
        ['\'=HYPERLINK("http://x")', "3", "19.90", "2026-11-24", "2026-11-24 10:30:05", "TRUE"],
        ["'+1+1", "-4", "100", "", "2026-11-24 10:30:05", "FALSE"],
        ["a,b", "0.5", "", "", "", ""],
    ]


def test_csv_reads_back_through_the_reader(tmp_path):
    path = tmp_path / "round.csv"
    write(path, "csv", [ROW])
    with open_workbook(path) as book:
        assert book.encoding == "utf-8-sig"
        rows = list(next(book.sheets()).rows)
    assert rows[1][1][0] == '\'=HYPERLINK("http://x")'


def test_write_after_close_is_refused(tmp_path):
    writer = write(tmp_path / "x.csv", "csv", [])
    writer.close()
    with pytest.raises(ValueError):
        writer.write_row(["late"])
