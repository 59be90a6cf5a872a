"""The xlsx package (OPC): where the workbook is, how part names compare, which sheets count.

Excel and calamine read each of these packages; the files in tests/data/real that first
showed them are named beside each test.
"""

import datetime
import zipfile

import pytest

from tests.utils.xlsx_parts import DATE_STYLES, MAIN, PKG, REL, build, sheet_xml
from utils.excel_read import UnreadableFile, open_workbook

WORKSHEET = f"{REL}/worksheet"


def rels(*relationships: tuple[str, str, str]) -> str:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'
        for rid, kind, target in relationships
    )
    return f'<Relationships xmlns="{PKG}">{items}</Relationships>'


def workbook(*sheets: tuple[str, str]) -> str:
    items = "".join(
        f'<sheet name="{name}" sheetId="{n}" r:id="{rid}"/>'
        for n, (name, rid) in enumerate(sheets, 1)
    )
    return f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{items}</sheets></workbook>'


def one_cell(text: str) -> str:
    return sheet_xml(f'<row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c></row>')


def write(path, parts: dict[str, str]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(zipfile.ZipInfo(name), text)
    return path


def read(path) -> dict[str, list]:
    with open_workbook(path) as book:
        return {sheet.name: [v for _, v in sheet.rows] for sheet in book.sheets()}


def package_rels(target: str) -> str:
    return rels(("rId1", f"{REL}/officeDocument", target))


def test_backslashes_in_zip_entry_names_are_part_separators(tmp_path):
    # as xlrd__apachepoi_49609.xlsx (a .NET writer) stores every part
    plain = build(tmp_path / "plain.xlsx", one_cell("店铺"))
    path = tmp_path / "backslashes.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            out.writestr(zipfile.ZipInfo(info.filename.replace("/", "\\")), source.read(info))
    assert read(path) == {"S1": [["店铺"]]}


def test_part_names_match_in_any_letter_case(tmp_path):
    # xlrd__issue150.xlsx: xl/sharedstrings.xml; xlrd__err_cell_empty.xlsx: SharedStrings.xml
    path = write(
        tmp_path / "case.xlsx",
        {
            "_rels/.rels": package_rels("/XL/Workbook.xml"),
            "xl/workbook.xml": workbook(("S1", "rId1")),
            "XL/_rels/WORKBOOK.xml.rels": rels(
                ("rId1", WORKSHEET, "/xl/worksheets/Sheet1.xml"),
                ("rId2", f"{REL}/sharedStrings", "/xl/sharedStrings.xml"),
            ),
            "xl/Worksheets/sheet1.XML": sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
            "xl/SharedStrings.xml": f'<sst xmlns="{MAIN}"><si><t>订单</t></si></sst>',
        },
    )
    assert read(path) == {"S1": [["订单"]]}


def test_the_workbook_is_where_the_package_relationship_says(tmp_path):
    """_rels/.rels names the workbook; its sheets resolve from the workbook's folder, not
    from xl/, even when decoys sit at the conventional names."""
    path = write(
        tmp_path / "elsewhere.xlsx",
        {
            "_rels/.rels": package_rels("book/main.xml"),
            "book/main.xml": workbook(("订单", "rId1")),
            "book/_rels/main.xml.rels": rels(("rId1", WORKSHEET, "sheets/one.xml")),
            "book/sheets/one.xml": one_cell("real"),
            "xl/workbook.xml": workbook(("decoy", "rId1")),
            "xl/_rels/workbook.xml.rels": rels(("rId1", WORKSHEET, "sheets/one.xml")),
            "xl/sheets/one.xml": one_cell("decoy"),
        },
    )
    assert read(path) == {"订单": [["real"]]}


def test_targets_go_up_from_the_workbook_folder(tmp_path):
    path = write(
        tmp_path / "up.xlsx",
        {
            "_rels/.rels": package_rels("/content/wb/workbook.xml"),
            "content/wb/workbook.xml": workbook(("S1", "rId1")),
            "content/wb/_rels/workbook.xml.rels": rels(
                ("rId1", WORKSHEET, "../sheets/a%20b.xml"),
                ("rId2", f"{REL}/styles", "../styles.xml"),
            ),
            "content/sheets/a b.xml": sheet_xml(
                '<row r="1"><c r="A1" s="1"><v>46350</v></c></row>'
            ),
            "content/styles.xml": DATE_STYLES,
        },
    )
    assert read(path) == {"S1": [[datetime.date(2026, 11, 24)]]}


def test_without_a_package_relationship_xl_workbook_xml_is_the_workbook(tmp_path):
    path = write(
        tmp_path / "no_rels.xlsx",
        {
            "xl/workbook.xml": workbook(("S1", "rId1")),
            "xl/_rels/workbook.xml.rels": rels(("rId1", WORKSHEET, "worksheets/sheet1.xml")),
            "xl/worksheets/sheet1.xml": one_cell("x"),
        },
    )
    assert read(path) == {"S1": [["x"]]}


def test_sheets_that_are_no_worksheets_are_skipped(tmp_path):
    """r:id="" (a VBA module), an id the relationships lack, a chartsheet and an Excel 4
    macro sheet: skipped, the worksheets read."""
    path = write(
        tmp_path / "skips.xlsx",
        {
            "_rels/.rels": package_rels("xl/workbook.xml"),
            "xl/workbook.xml": workbook(
                ("Module1", ""),
                ("订单", "rId1"),
                ("Lost", "rId9"),
                ("Chart1", "rId2"),
                ("Macro1", "rId3"),
                ("明细", "rId4"),
            ),
            "xl/_rels/workbook.xml.rels": rels(
                ("rId1", WORKSHEET, "worksheets/sheet1.xml"),
                ("rId2", f"{REL}/chartsheet", "chartsheets/sheet1.xml"),
                (
                    "rId3",
                    "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
                    "macrosheets/sheet1.xml",
                ),
                ("rId4", WORKSHEET, "worksheets/sheet2.xml"),
            ),
            "xl/worksheets/sheet1.xml": one_cell("a"),
            "xl/worksheets/sheet2.xml": one_cell("b"),
            "xl/chartsheets/sheet1.xml": "<chartsheet/>",
            "xl/macrosheets/sheet1.xml": "<xm:macrosheet/>",
        },
    )
    assert read(path) == {"订单": [["a"]], "明细": [["b"]]}


def test_a_worksheet_whose_part_is_missing_is_still_damage(tmp_path):
    path = write(
        tmp_path / "missing.xlsx",
        {
            "xl/workbook.xml": workbook(("S1", "rId1")),
            "xl/_rels/workbook.xml.rels": rels(("rId1", WORKSHEET, "worksheets/gone.xml")),
        },
    )
    with pytest.raises(UnreadableFile) as caught:
        read(path)
    assert caught.value.code == "corrupt"
    assert "S1" in caught.value.detail


@pytest.mark.parametrize(
    ("parts", "why"),
    [
        (
            {
                "_rels/.rels": package_rels("word/document.xml"),
                "word/document.xml": '<w:document xmlns:w="urn:w"/>',
            },
            "no workbook",
        ),
        (
            {"_rels/.rels": package_rels("xl/workbook.bin"), "xl/workbook.bin": "\0"},
            "xlsb",
        ),
        ({"readme.txt": "hello"}, "without a workbook"),
    ],
    ids=["docx", "xlsb", "plain zip"],
)
def test_a_zip_holding_no_xml_workbook_is_no_xlsx(tmp_path, parts, why):
    with pytest.raises(UnreadableFile) as caught:
        read(write(tmp_path / "other.zip", parts))
    assert caught.value.code == "unsupported_type"
    assert why in caught.value.detail
