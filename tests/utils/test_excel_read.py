import codecs
import datetime
import itertools
import pickle
import struct
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt

from utils.excel_read import (
    CellError,
    Sheet,
    UnreadableFile,
    detect_format,
    open_workbook,
)

DATA = Path(__file__).resolve().parent.parent / "data"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --- helpers ------------------------------------------------------------------------


def read_all(path, **limits) -> dict[str, list[tuple[int, list]]]:
    with open_workbook(path, **limits) as book:
        return {sheet.name: list(sheet.rows) for sheet in book.sheets()}


def first_sheet_rows(path, **limits) -> list[tuple[int, list]]:
    return next(iter(read_all(path, **limits).values()))


def raw_xlsx(path: Path, *sheets: str, names: tuple[str, ...] = (), folder="worksheets") -> Path:
    """A minimal xlsx whose worksheets' XML is given as written; `folder` as rels name it."""
    names = names or tuple(f"S{i + 1}" for i in range(len(sheets)))
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet_list = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
        for i, name in enumerate(names)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" Target="{folder}/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(sheets))
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN_NS}" xmlns:r="{rel}"><sheets>{sheet_list}</sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{pkg}">{rels}</Relationships>'
        )
        for i, xml in enumerate(sheets):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
    return path


def worksheet(rows_xml: str, *, dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN_NS}">{dim}<sheetData>{rows_xml}</sheetData></worksheet>'


def three_rows() -> str:
    return (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>qty</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c><c r="B2"><v>2</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>B-2</t></is></c><c r="B3"><v>3</v></c></row>'
    )


def openpyxl_book(path: Path, fill) -> Path:
    book = openpyxl.Workbook()
    fill(book)
    book.save(path)
    return path


def xlwt_book(path: Path, fill) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    fill(book)
    book.save(str(path))
    return path


def set_declared_size(path: Path, member: str, size: int) -> None:
    """Make the zip's local and central headers lie about `member`'s uncompressed size."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
        central = zf.start_dir
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, info.header_offset + 22, size)
    offset = central
    while data[offset : offset + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, offset + 28)
        name = bytes(data[offset + 46 : offset + 46 + name_len]).decode()
        if name == member:
            struct.pack_into("<I", data, offset + 24, size)
        offset += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))


# --- detect_format ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"PK\x03\x04rest of a zip", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
        (b"sku,qty\nA-1,2\n", "csv"),
        ("商品编码,数量\n".encode(), "csv"),
        ("商品编码,数量\n".encode("gb18030"), "csv"),
        (b"\xef\xbb\xbfsku;qty\n", "csv"),
        ("a,订".encode()[:-1], "csv"),  # a multibyte character cut by the head's end
        ("sku,名称\n".encode("utf-16"), "csv"),  # BOM, then UTF-16 in the machine's order
        ("sku,名称\n".encode("utf-16-be"), "unsupported_type"),  # no BOM: NUL bytes
        (codecs.BOM_UTF16_BE + "sku,名称\n".encode("utf-16-be"), "csv"),
        ("sku,名称\n".encode("utf-32"), "csv"),
        (codecs.BOM_UTF32_BE + "sku,名称\n".encode("utf-32-be"), "csv"),
        ("sku,name\nA-1,Crème brûlée\n".encode("cp1252"), "csv"),
        ("артикул,название\nA-1,Молоко\n".encode("cp1251"), "csv"),
        (b"\x09\x04\x06\x00\x00\x00\x10\x00", "xls"),  # BIFF4 BOF, no OLE2 container
        (b"\x09\x00\x04\x00\x02\x00\x10\x00", "xls"),  # BIFF2
    ],
)
def test_detect_format_from_content(head, expected):
    if expected == "unsupported_type":
        with pytest.raises(UnreadableFile) as caught:
            detect_format(head)
        assert caught.value.code == expected
    else:
        assert detect_format(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"text with a NUL \x00 byte",
        bytes(range(1, 32)) * 8 + bytes(range(128, 256)),  # control bytes, no text
        b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
        bytes(range(128, 256)) * 4,  # no code page reads this as text
    ],
)
def test_detect_format_refuses_other_content(head):
    with pytest.raises(UnreadableFile) as caught:
        detect_format(head)
    assert caught.value.code == "unsupported_type"


def test_detect_format_of_nothing_is_empty():
    with pytest.raises(UnreadableFile) as caught:
        detect_format(b"")
    assert caught.value.code == "empty"


def test_unreadable_file_carries_code_detail_and_params():
    error = UnreadableFile("too_many_rows", "sheet 'S'", max_rows=5, rows=9)
    assert (error.code, error.detail, error.params) == (
        "too_many_rows",
        "sheet 'S'",
        {"max_rows": 5, "rows": 9},
    )
    assert str(error) == "too_many_rows: sheet 'S'"


def test_unreadable_file_survives_pickling():
    copy = pickle.loads(pickle.dumps(UnreadableFile("too_many_rows", "x", max_rows=5, rows=9)))
    assert (copy.code, copy.detail, copy.params) == (
        "too_many_rows",
        "x",
        {"max_rows": 5, "rows": 9},
    )


def test_cell_error_equality_and_repr():
    assert CellError("#N/A") == CellError("#N/A") != CellError("#REF!")
    assert CellError("#N/A") != "#N/A"
    assert len({CellError("#N/A"), CellError("#N/A")}) == 1
    assert repr(CellError("#DIV/0!")) == "CellError('#DIV/0!')"


# --- open_workbook: refusals --------------------------------------------------------


def refusal(path, **limits) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        read_all(path, **limits)
    return caught.value


def test_empty_file(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"")
    assert refusal(path).code == "empty"


def test_pdf_named_xlsx_is_unsupported(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 10)
    assert refusal(path).code == "unsupported_type"


def test_zip_that_is_not_a_workbook_is_unsupported(tmp_path):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<document/>")
    assert refusal(path).code == "unsupported_type"


def test_truncated_xlsx_is_corrupt(tmp_path):
    whole = openpyxl_book(tmp_path / "whole.xlsx", lambda book: book.active.append(["a", 1]))
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert refusal(path).code == "corrupt"


def test_broken_sheet_xml_is_corrupt(tmp_path):
    path = raw_xlsx(tmp_path / "broken.xlsx", worksheet(three_rows())[:-60])
    assert refusal(path).code == "corrupt"


def test_encrypted_xlsx(tmp_path):
    # tests/data/encrypted.xlsx: an openpyxl workbook encrypted by Excel's agile scheme
    # (msoffcrypto-tool, password "pw"): an OLE2 file with EncryptionInfo/EncryptedPackage.
    assert refusal(DATA / "encrypted.xlsx").code == "encrypted"


def test_encrypted_xls(tmp_path):
    class EncryptedBook(xlwt.Workbook):
        def get_biff_data(self):
            data = super().get_biff_data()
            bof_end = 4 + struct.unpack_from("<H", data, 2)[0]
            filepass = struct.pack("<HHHHH", 0x002F, 6, 1, 1, 1)  # RC4, as Excel writes it
            return data[:bof_end] + filepass + data[bof_end:]

    book = EncryptedBook()
    book.add_sheet("S").write(0, 0, "secret")
    path = tmp_path / "locked.xls"
    book.save(str(path))
    assert refusal(path).code == "encrypted"


def test_ole2_file_without_a_workbook_is_unsupported(tmp_path):
    path = xlwt_book(tmp_path / "doc.xls", lambda book: book.add_sheet("S").write(0, 0, "x"))
    data = path.read_bytes()
    path.write_bytes(data.replace("Workbook".encode("utf-16-le"), "Notebook".encode("utf-16-le")))
    assert refusal(path).code == "unsupported_type"


def test_garbage_after_ole2_magic_is_corrupt(tmp_path):
    path = tmp_path / "bad.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 3000)
    assert refusal(path).code == "corrupt"


def test_zip_bomb_is_refused_from_the_declared_sizes(tmp_path):
    path = raw_xlsx(tmp_path / "bomb.xlsx", worksheet(three_rows()))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\x00" * 3_000_000)
    assert path.stat().st_size < 50_000
    error = refusal(path, max_uncompressed_bytes=2_000_000)
    assert error.code == "too_large_uncompressed"
    assert error.params["limit"] == 2_000_000 and error.params["size"] > 3_000_000
    assert read_all(path, max_uncompressed_bytes=4_000_000)


def test_zip_member_larger_than_declared_is_corrupt(tmp_path):
    path = raw_xlsx(tmp_path / "liar.xlsx", worksheet(three_rows()))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", b" " * 2_000_000)
    set_declared_size(path, "xl/sharedStrings.xml", 100)
    assert refusal(path, max_uncompressed_bytes=10_000).code == "corrupt"


def test_sheet_member_larger_than_declared_is_corrupt(tmp_path):
    padding = "<!--" + " " * 2_000_000 + "-->"
    path = raw_xlsx(tmp_path / "liar.xlsx", worksheet(three_rows() + padding))
    set_declared_size(path, "xl/worksheets/sheet1.xml", 1000)
    assert refusal(path, max_uncompressed_bytes=10_000).code == "corrupt"


# --- xlsx ---------------------------------------------------------------------------


def test_xlsx_values(tmp_path):
    def fill(book):
        sheet = book.active
        sheet.title = "订单"
        sheet.append(["  padded text ", "", 3, 3.5, True, False])
        sheet.append(
            [
                datetime.datetime(2026, 11, 24, 10, 5, 30),
                datetime.datetime(2026, 11, 24),
                datetime.date(2026, 1, 2),
                datetime.time(10, 30),
                13800138000,
                2.0**53,
            ]
        )
        sheet.append(["=1+1", -0.0, 1e-3, "1,234"])

    rows = first_sheet_rows(openpyxl_book(tmp_path / "values.xlsx", fill))
    assert rows[0] == (1, ["  padded text ", None, 3, 3.5, True, False])
    values = rows[1][1]
    assert values[0] == datetime.datetime(2026, 11, 24, 10, 5, 30)
    # a date-time cell at midnight stays a datetime (python-calamine gives a date)
    assert values[1] == datetime.datetime(2026, 11, 24) and type(values[1]) is datetime.datetime
    assert values[2] == datetime.date(2026, 1, 2)
    assert values[3] == datetime.time(10, 30)
    assert values[4] == 13800138000 and type(values[4]) is int
    assert values[5] == 2.0**53 and type(values[5]) is float
    # a formula without a cached value reads as None; never evaluated
    assert rows[2] == (3, [None, 0, 0.001, "1,234"])


def test_xlsx_error_cells_become_cell_errors(tmp_path):
    codes = ["#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]

    def fill(book):
        book.active.append(["header", *codes])
        assert book.active["B1"].data_type == "e"

    rows = first_sheet_rows(openpyxl_book(tmp_path / "errors.xlsx", fill))
    assert rows == [(1, ["header", *map(CellError, codes)])]


def test_xlsx_cached_formula_results_are_read(tmp_path):
    xml = worksheet(
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c>'
        '<c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="D1" t="e"><f t="shared" ref="D1:D2" si="0">NA()</f><v>#N/A</v></c></row>'
        '<row r="2"><c r="D2" t="e"><f t="shared" si="0"/><v>#N/A</v></c></row>'
    )
    rows = first_sheet_rows(raw_xlsx(tmp_path / "formulas.xlsx", xml))
    assert rows == [
        (1, [2, "ab", CellError("#DIV/0!"), CellError("#N/A")]),
        (2, [None, None, None, CellError("#N/A")]),
    ]


def test_xlsx_row_numbers_and_positions_keep_leading_blank_rows_and_columns(tmp_path):
    def fill(book):
        book.active["C3"] = "first"
        book.active["D5"] = "last"

    rows = first_sheet_rows(openpyxl_book(tmp_path / "offset.xlsx", fill))
    assert rows == [
        (1, []),
        (2, []),
        (3, [None, None, "first"]),
        (4, []),
        (5, [None, None, None, "last"]),
    ]


def test_xlsx_sheets_in_order_with_index_and_height_a_hidden_one_too(tmp_path):
    def fill(book):
        book.active.title = "Data"
        book.active.append(["a"])
        book.active.append(["b"])
        chart = book.create_chartsheet("Chart")
        assert chart is not None
        hidden = book.create_sheet("Lists")
        hidden.append(["x"])
        hidden.sheet_state = "hidden"
        book.create_sheet("Empty")

    with open_workbook(openpyxl_book(tmp_path / "many.xlsx", fill)) as book:
        assert book.format == "xlsx" and book.encoding is None and book.delimiter is None
        sheets = book.sheets()
        assert isinstance(sheets, types.GeneratorType)
        found = [(s.name, s.index, s.height, list(s.rows)) for s in sheets]
    # the chart sheet (index 1) has no cells and is skipped; the hidden one is read
    assert found == [
        ("Data", 0, 2, [(1, ["a"]), (2, ["b"])]),
        ("Lists", 2, 1, [(1, ["x"])]),
        ("Empty", 3, 1, []),  # height as declared: <dimension ref="A1:A1">
    ]


def test_xlsx_claimed_huge_dimension_with_three_rows(tmp_path):
    """<dimension> and style-only cells are no content: three rows come out."""
    styled_corner = '<row r="1048576"><c r="Z1048576" s="1"/></row>'
    xml = worksheet(three_rows() + styled_corner, dimension="A1:Z1048576")
    rows = first_sheet_rows(raw_xlsx(tmp_path / "claimed.xlsx", xml), max_rows=10)
    assert rows == [(1, ["sku", "qty"]), (2, ["A-1", 2]), (3, ["B-2", 3])]


def test_xlsx_stray_far_cell_is_read_row_by_row(tmp_path):
    """A value at Z1048576 holds no rectangle of cells in memory; max_rows refuses its row."""
    xml = worksheet(three_rows() + '<row r="1048576"><c r="Z1048576"><v>1</v></c></row>')
    path = raw_xlsx(tmp_path / "stray.xlsx", xml)
    error = refusal(path, max_rows=100_000)
    assert (error.code, error.params) == ("too_many_rows", {"max_rows": 100_000, "rows": 1_048_576})
    with open_workbook(path) as book:
        rows = next(book.sheets()).rows
        assert list(itertools.islice(rows, 4)) == [
            (1, ["sku", "qty"]),
            (2, ["A-1", 2]),
            (3, ["B-2", 3]),
            (4, []),
        ]
        *_, last = rows
    assert last == (1_048_576, [None] * 25 + [1])


def test_xlsx_cell_at_the_last_excel_cell_is_read(tmp_path):
    """python-calamine 0.9.1 asks for 512 GB here and Rust aborts the process."""
    xml = worksheet(three_rows() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    path = raw_xlsx(tmp_path / "corner.xlsx", xml)
    *_, (number, values) = first_sheet_rows(path)
    assert number == 1_048_576 and len(values) == 16_384 and values[-1] == 1


def test_xlsx_max_rows_counts_the_last_row_number(tmp_path):
    path = openpyxl_book(
        tmp_path / "ten.xlsx", lambda book: [book.active.append([i]) for i in range(10)]
    )
    assert len(first_sheet_rows(path, max_rows=10)) == 10
    error = refusal(path, max_rows=9)
    assert error.params == {"max_rows": 9, "rows": 10}


def test_xlsx_with_prefixed_namespace(tmp_path):
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>'
        '<x:c r="C1" t="e"><x:v>#N/A</x:v></x:c></x:row>'
        '<x:row r="3"><x:c r="B3"><x:v>5</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    rows = first_sheet_rows(raw_xlsx(tmp_path / "prefixed.xlsx", xml))
    assert rows == [(1, ["a", None, CellError("#N/A")]), (2, []), (3, [None, 5])]


def test_xlsx_cells_without_references_are_placed_in_order(tmp_path):
    xml = worksheet(
        '<row><c t="inlineStr"><is><t>a</t></is></c><c t="e"><v>#REF!</v></c></row>'
        "<row><c/><c><v>7</v></c></row>"
        '<row r="5"><c s="1"/><c t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    )
    rows = first_sheet_rows(raw_xlsx(tmp_path / "no_refs.xlsx", xml))
    assert rows == [
        (1, ["a", CellError("#REF!")]),
        (2, [None, 7]),
        (3, []),
        (4, []),
        (5, [None, CellError("#DIV/0!")]),
    ]


def test_xlsx_with_absolute_relationship_targets(tmp_path):
    path = raw_xlsx(tmp_path / "absolute.xlsx", worksheet(three_rows()), folder="/xl/worksheets")
    assert len(first_sheet_rows(path)) == 3


def test_xlsx_whose_sheet_part_is_missing_is_corrupt(tmp_path):
    path = raw_xlsx(tmp_path / "missing.xlsx", worksheet(three_rows()), folder="elsewhere")
    assert refusal(path).code == "corrupt"


def test_xlsx_without_extension_is_read_by_content(tmp_path):
    path = openpyxl_book(tmp_path / "upload.xlsx", lambda book: book.active.append(["a", 1]))
    renamed = path.rename(tmp_path / "upload_3f2a.tmp")
    assert first_sheet_rows(renamed) == [(1, ["a", 1])]


def test_xlsx_error_cells_split_across_scan_chunks(tmp_path):
    rows_xml = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{"x" * 200}</t></is></c>'
        f'<c r="B{r}" t="e"><f>NA()</f><v>#N/A</v></c></row>'
        for r in range(1, 12_001)
    )
    rows = first_sheet_rows(raw_xlsx(tmp_path / "long.xlsx", worksheet(rows_xml)))
    assert len(rows) == 12_000
    assert all(values[1] == CellError("#N/A") for _, values in rows)


# --- xls ----------------------------------------------------------------------------


def test_xls_values(tmp_path):
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    time_style = xlwt.easyxf(num_format_str="hh:mm")

    def fill(book):
        sheet = book.add_sheet("订单")
        sheet.write(0, 0, "  text ")
        sheet.write(0, 1, "")
        sheet.write(0, 2, 3)
        sheet.write(0, 3, 3.5)
        sheet.write(0, 4, True)
        sheet.row(0).set_cell_error(5, "#DIV/0!")
        sheet.write(1, 0, datetime.datetime(2026, 11, 24, 10, 5), date_style)
        sheet.write(1, 1, datetime.datetime(2026, 11, 24), date_style)
        sheet.write(1, 2, datetime.time(10, 30), time_style)
        sheet.write(1, 3, 13800138000.0)
        sheet.row(1).set_cell_error(4, 0x2A)  # #N/A
        sheet.write(3, 1, "after a blank row")
        hidden = book.add_sheet("Hidden")
        hidden.write(0, 0, "h")
        hidden.visibility = 1

    path = xlwt_book(tmp_path / "values.xls", fill)
    with open_workbook(path) as book:
        assert book.format == "xls"
        sheets = list(book.sheets())
        assert [(s.name, s.index, s.height) for s in sheets] == [("订单", 0, 4), ("Hidden", 1, 1)]
        rows = list(sheets[0].rows)
        assert list(sheets[1].rows) == [(1, ["h"])]  # a hidden sheet is read like any other
    assert rows == [
        (1, ["  text ", None, 3, 3.5, True, CellError("#DIV/0!")]),
        (
            2,
            [
                datetime.datetime(2026, 11, 24, 10, 5),
                datetime.datetime(2026, 11, 24),
                datetime.time(10, 30),
                13800138000,
                CellError("#N/A"),
            ],
        ),
        (3, []),
        (4, [None, "after a blank row"]),
    ]
    assert type(rows[1][1][3]) is int


def test_xls_rows_are_a_generator_and_max_rows_applies(tmp_path):
    def fill(book):
        sheet = book.add_sheet("S")
        for r in range(20):
            sheet.write(r, 0, r)

    path = xlwt_book(tmp_path / "twenty.xls", fill)
    with open_workbook(path, max_rows=20) as book:
        sheet = next(book.sheets())
        assert isinstance(sheet.rows, types.GeneratorType)
        assert next(sheet.rows) == (1, [0])
    assert refusal(path, max_rows=19).params == {"max_rows": 19, "rows": 20}


# --- csv ----------------------------------------------------------------------------


def write_csv(tmp_path, data: bytes, name="upload.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("名称,数量\n苹果,3\n".encode(), "utf-8"),
        ("名称,数量\n苹果,3\n".encode("utf-8-sig"), "utf-8-sig"),
        ("名称,数量\n苹果,3\n".encode("gbk"), "gb18030"),
        ("名称,数量\n苹果,3\n".encode("gb18030"), "gb18030"),
    ],
)
def test_csv_encoding_is_detected(tmp_path, data, encoding):
    with open_workbook(write_csv(tmp_path, data)) as book:
        assert (book.format, book.encoding, book.delimiter) == ("csv", encoding, ",")
        sheets = list(book.sheets())
        assert [(s.name, s.index, s.height) for s in sheets] == [("csv", 0, 2)]
        assert list(sheets[0].rows) == [(1, ["名称", "数量"]), (2, ["苹果", "3"])]


def test_csv_utf8_head_with_gb18030_later_is_read_whole_as_gb18030(tmp_path):
    ascii_part = b"sku,name\n" + b"A-1,plain ascii name\n" * 5000
    data = ascii_part + "B-2,中文名称\n".encode("gb18030")
    assert len(ascii_part) > 64 * 1024
    with open_workbook(write_csv(tmp_path, data)) as book:
        assert book.encoding == "gb18030"
        rows = list(next(book.sheets()).rows)
    assert len(rows) == 5002
    assert rows[-1] == (5002, ["B-2", "中文名称"])


def test_csv_that_no_encoding_reads_after_the_head_is_bad_encoding(tmp_path):
    data = b"sku,name\n" + b"A-1,x\n" * 12_000 + b"B-2," + bytes(range(128, 256)) * 4 + b"\n"
    assert refusal(write_csv(tmp_path, data)).code == "bad_encoding"


def test_csv_with_bom_but_invalid_utf8_later(tmp_path):
    data = b"\xef\xbb\xbfsku\n" + b"a\n" * 40_000 + "中".encode("gbk") + b"\n"
    assert refusal(write_csv(tmp_path, data)).code == "bad_encoding"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    lines = [["sku", "name", "qty"], ["A-1", "apple, red", "2"], ["B-2", "pear", "3"]]
    text = "\n".join(delimiter.join(f'"{v}"' if "," in v else v for v in line) for line in lines)
    with open_workbook(write_csv(tmp_path, text.encode())) as book:
        assert book.delimiter == delimiter
        rows = list(next(book.sheets()).rows)
    assert rows[1] == (2, ["A-1", "apple, red", "2"])


def test_csv_single_column_falls_back_to_comma(tmp_path):
    with open_workbook(write_csv(tmp_path, b"sku\nA1\nB2\n")) as book:
        assert book.delimiter == ","
        assert list(next(book.sheets()).rows) == [(1, ["sku"]), (2, ["A1"]), (3, ["B2"])]


def test_csv_values_quoted_newlines_and_blank_rows(tmp_path):
    data = b'sku,note,qty\r\nA-1,"two\nlines",  2 \r\n\r\n,,\r\nB-2,,\r\n'
    with open_workbook(write_csv(tmp_path, data)) as book:
        sheet = next(book.sheets())
        assert isinstance(sheet.rows, types.GeneratorType)
        rows = list(sheet.rows)
    assert rows == [
        (1, ["sku", "note", "qty"]),
        (2, ["A-1", "two\nlines", "  2 "]),
        (3, []),
        (4, []),
        (5, ["B-2"]),
    ]
    assert sheet.height == 5


def test_csv_max_rows_is_checked_on_opening(tmp_path):
    path = write_csv(tmp_path, b"h\n" + b"x\n" * 10)
    assert len(first_sheet_rows(path, max_rows=11)) == 11
    with pytest.raises(UnreadableFile) as caught:
        open_workbook(path, max_rows=10)
    assert caught.value.code == "too_many_rows"
    assert caught.value.params == {"max_rows": 10, "rows": 11}


def test_csv_runaway_quote_is_corrupt(tmp_path):
    data = b'sku,note\nA-1,"never closed\n' + b"x" * 200_000 + b"\n"
    assert refusal(write_csv(tmp_path, data)).code == "corrupt"


def test_closing_the_workbook_closes_unfinished_rows(tmp_path):
    book = open_workbook(write_csv(tmp_path, b"a\nb\nc\n"))
    sheet: Sheet = next(book.sheets())
    assert next(sheet.rows) == (1, ["a"])
    book.close()
    book.close()
    assert list(sheet.rows) == []


def test_files_written_by_libreoffice_read_alike_in_every_format():
    """tests/data/libreoffice holds one table saved by LibreOffice as xlsx, xls and csv."""
    paths = {path.suffix: path for path in (DATA / "libreoffice").glob("*.*")}
    if not {".xlsx", ".xls"} <= paths.keys():
        pytest.skip("no LibreOffice-written xlsx and xls in tests/data/libreoffice")
    xlsx, xls = first_sheet_rows(paths[".xlsx"]), first_sheet_rows(paths[".xls"])
    assert xlsx == xls
    assert xlsx[0][0] == 1 and all(isinstance(cell, str) for cell in xlsx[0][1])
    if ".csv" in paths:
        assert len(first_sheet_rows(paths[".csv"])) == len(xlsx)
