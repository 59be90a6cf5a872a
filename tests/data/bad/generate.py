"""Rebuild the bad-file corpus: `python tests/data/bad/generate.py` (needs LibreOffice).

Each file is committed; tests/reliability/test_bad_files.py states what each must give.
"""

import csv
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import xlwt
from openpyxl.styles import Font

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[2]))  # the repository, for tests.xls_edits
HEADER = ["商品编码", "商品名称", "条码", "规格", "单位", "重量(kg)", "售价", "成本价", "状态"]
ROWS = [
    ["SKU001", "赣南脐橙", "6900000000017", "5kg装", "箱", 5.2, 59.9, 32, "启用"],
    ["SKU002", "阿克苏苹果", "6900000000024", "10kg装", "箱", 10, 89, 45.5, "启用"],
    ["SKU003", "海南芒果", "6900000000031", "2.5kg装", "箱", 2.5, 39.9, 20, "停用"],
]


def xlsx(name, rows, header=HEADER, title="商品", before=()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in before:
        sheet.append(row)
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(HERE / name)
    return book


def csv_file(name, rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


def recalculated_by_libreoffice(name):
    """LibreOffice stores the cached values of formulas, as Excel does."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", out, str(HERE / name)],
                       check=True, capture_output=True)  # fmt: skip
        shutil.move(Path(out) / name, HERE / name)


def main():
    (HERE / "empty.xlsx").write_bytes(b"")
    (HERE / "text_renamed.xlsx").write_text(
        "这是一些备注\nnothing to import here\n", encoding="utf-8"
    )
    (HERE / "pdf_renamed.xlsx").write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4
    )
    (HERE / "png_renamed.xls").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (HERE / "jpeg_renamed.xlsx").write_bytes(
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
    )

    xlsx("valid.xlsx", ROWS)
    good = (HERE / "valid.xlsx").read_bytes()
    (HERE / "truncated.xlsx").write_bytes(good[: len(good) * 6 // 10])

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("商品")
    for r, row in enumerate([HEADER, *ROWS]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(HERE / "valid.xls"))
    xls = (HERE / "valid.xls").read_bytes()
    (HERE / "truncated.xls").write_bytes(xls[: len(xls) // 2])

    # A 1.5 MB workbook whose sheet expands to 1.2 GB.
    with zipfile.ZipFile(
        HERE / "zip_bomb.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=9
    ) as bomb:
        with zipfile.ZipFile(HERE / "valid.xlsx") as source:
            for item in source.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    bomb.writestr(item, source.read(item))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet_xml:
            sheet_xml.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>')  # fmt: skip
            chunk = b" " * (1024 * 1024)
            for _ in range(1200):
                sheet_xml.write(chunk)
            sheet_xml.write(b"</sheetData></worksheet>")

    xlsx("header_only.xlsx", [])
    xlsx("title_rows.xlsx", ROWS, before=[["2026年11月 商品资料"], ["导出人：张三"], []])
    book = xlsx("merged_header.xlsx", ROWS, before=[["商品资料（合并标题）"]])
    book.active.merge_cells("A1:I1")
    book.active["A2"].font = Font(bold=True)
    book.save(HERE / "merged_header.xlsx")
    xlsx("duplicate_headers.xlsx", [[*row, "SKU999"] for row in ROWS], header=[*HEADER, "商品编码"])
    xlsx(
        "missing_required.xlsx",
        [[row[0], *row[2:]] for row in ROWS],
        header=[HEADER[0], *HEADER[2:]],
    )
    xlsx(
        "extra_columns.xlsx",
        [[*row, "橙色", "江西"] for row in ROWS],
        header=[*HEADER, "颜色", "产地"],
    )

    xlsx("huge_dimension.xlsx", ROWS)
    _set_dimension(HERE / "huge_dimension.xlsx", b"A1:Z1048576")
    book = xlsx("far_cell.xlsx", ROWS)
    book.active["XFD1048576"] = "x"
    book.save(HERE / "far_cell.xlsx")

    xlsx(
        "formulas.xlsx",
        [["SKU001", '=CONCATENATE("公式","名称")', "", "", "", "", "=10+5", "=G2*2", ""]],
    )
    recalculated_by_libreoffice("formulas.xlsx")
    xlsx("error_cells.xlsx", [["SKU001", "橙子", "", "", "", "", "#DIV/0!", "#N/A", ""], ROWS[1]])

    xlsx("numbers_text.xlsx", [
        ["SKU001", "橙子", "", "", "", " 1.5 ", "¥1,234.50", "１２３", ""],
        ["SKU002", "苹果", "", "", "", "", "￥12", "12元", ""],
        ["SKU003", "芒果", "", "", "", "", "1,000", " 8 ", ""],
    ])  # fmt: skip
    wide = str.maketrans("0123456789.SKU", "０１２３４５６７８９．ＳＫＵ")
    xlsx("fullwidth.xlsx", [["SKU001".translate(wide), "橙子（大）", "6900000000017".translate(wide),
                             "", "", "", "59.9".translate(wide), "", "启用"]])  # fmt: skip
    xlsx("emoji.xlsx", [["SKU001", "🍊赣南脐橙🚚", "", "", "", "", 59.9, "", ""]])
    # A 100,000-character cell (xlsx stops at Excel's 32,767 characters; CSV does not).
    csv_file("long_cell.csv", [["SKU001", "长" * 100_000, "", "", "", "", 1, "", ""], ROWS[1]])
    xlsx("script_cells.xlsx", [
        ["SKU001", "<script>alert(1)</script>", "", "", "", "", 1, "", ""],
        ["SKU002", "苹果", "", "", "", "", "<script>alert(2)</script>", "", ""],
    ])  # fmt: skip
    csv_file("gbk.csv", ROWS, encoding="gbk")
    csv_file("bom.csv", ROWS, encoding="utf-8-sig")
    csv_file("semicolons.csv", ROWS, delimiter=";")
    csv_file("utf16.csv", ROWS, encoding="utf-16")
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本文件第三个工作表是商品资料"])
    book.create_sheet("汇总").append(["合计", 3])
    data = book.create_sheet("商品")
    for row in [HEADER, *ROWS]:
        data.append(row)
    book.save(HERE / "many_sheets.xlsx")
    (HERE / "html_as.xls").write_text(
        "<html><body><table><tr><td>商品编码</td><td>商品名称</td></tr>"
        "<tr><td>SKU001</td><td>橙子</td></tr></table></body></html>",
        encoding="utf-8",
    )
    xlsx("blank_rows.xlsx", [ROWS[0], [], [None] * 9, ROWS[1], [], ROWS[2]])
    xlsx("float_codes.xlsx", [[1001.0, "数字编码", 6900000000017.0, "", "", "", 1, "", ""]])
    order_header = ["店铺编码", "平台订单号", "商品编码", "数量", "单价", "下单时间", "付款时间"]
    dates = ["2026-11-24 10:30", "2026/11/24 10:30:00", "2026年11月24日 10:30", "2026-11-24T10:30:00",
             "2026.11.24 10:30", "２０２６－１１－２４ １０：３０"]  # fmt: skip
    with (HERE / "dates_text.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(order_header)
        for n, text in enumerate(dates, start=1):
            writer.writerow(["A001", f"D{n}", "SKU0001", "1", "9.90", text, "20261124"])
    (HERE / "valid.xlsx").unlink()
    attacks()
    from_the_wild()


def attacks():
    """Files crafted against the reader: what it must refuse, or read as Excel shows them."""
    xlsx("row_in_comment.xlsx", ROWS[:2])
    _edit_sheet("row_in_comment.xlsx", rb'(<row r="3".*?</row>)', rb"<!-- \1 -->")
    xlsx("row_number_1e20.xlsx", ROWS[:2])
    _edit_sheet("row_number_1e20.xlsx", rb'(r="[A-Z]*)3"', rb'\g<1>100000000000000000000"')
    xlsx("column_past_xfd.xlsx", ROWS[:1])
    _edit_sheet("column_past_xfd.xlsx", rb'r="I2"', rb'r="XFE2"')


# Product rows a single-byte code page can hold (keys as headers, no Chinese).
LATIN_ROWS = [["sku_code", "name", "price"], ["SKU001", "Café crème", "3.5"],
              ["SKU002", "Müller Straße", "4"], ["SKU003", "naïve façade", "5"]]  # fmt: skip
CYRILLIC_ROWS = [["sku_code", "name", "price"], ["SKU001", "Молоко пастеризованное", "3.5"],
                 ["SKU002", "Хлеб ржаной", "4"], ["SKU003", "Сыр российский", "5"]]  # fmt: skip


def from_the_wild():
    """Files other readers open: csv in single-byte code pages, xls that xlrd alone
    refuses (stream name in capitals, a string table that overcounts, two directory
    entries claiming one sector), and a few-KB xls whose sheet range calamine would
    hold as 16.7 million cells."""
    from tests.xls_edits import overcount_strings, overlap_root_with_workbook, rename_stream

    for name, rows, encoding in (("cp1252.csv", LATIN_ROWS, "cp1252"),
                                 ("cp1251.csv", CYRILLIC_ROWS, "cp1251")):  # fmt: skip
        text = "".join(",".join(row) + "\r\n" for row in rows)
        (HERE / name).write_bytes(text.encode(encoding))

    def xls(name, rows, extra_rows=0):
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("商品")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        for r in range(extra_rows):  # past 4 KB: out of the compound file's mini stream
            sheet.write(len(rows) + r, 10, "备注")
        book.save(str(HERE / name))
        return HERE / name

    rename_stream(xls("stream_in_capitals.xls", [HEADER, *ROWS]), "WORKBOOK")
    overcount_strings(xls("string_table_overcount.xls", [HEADER, *ROWS]))
    overlap_root_with_workbook(xls("shared_sector.xls", [HEADER, *ROWS], extra_rows=300))
    book = xlwt.Workbook()
    sheet = book.add_sheet("商品")
    for c, value in enumerate(HEADER):
        sheet.write(0, c, value)
    sheet.write(65535, 255, "x")
    book.save(str(HERE / "far_cells_for_calamine.xls"))
    overcount_strings(HERE / "far_cells_for_calamine.xls")


def _edit_sheet(name: str, pattern: bytes, replacement: bytes):
    """Rewrite the first sheet's XML with a regular expression (once per match)."""
    import re

    path = HERE / name
    with zipfile.ZipFile(path) as source:
        items = [(item, source.read(item)) for item in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item, data in items:
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(pattern, replacement, data, flags=re.S)
                assert count, f"{pattern!r} not in {name}"
            target.writestr(item, data)


def _set_dimension(path: Path, ref: bytes):
    """Rewrite the sheet's used range, as some exporters leave it claiming a million rows."""
    with zipfile.ZipFile(path) as source:
        items = [(item, source.read(item)) for item in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item, data in items:
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b'<dimension ref="') + len(b'<dimension ref="')
                data = data[:start] + ref + data[data.index(b'"', start) :]
            target.writestr(item, data)


if __name__ == "__main__":
    main()
