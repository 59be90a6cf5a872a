"""The xlsx reader reads XML as XML defines it, and cells as Excel shows them.

Each test is one class of real files that the byte-pattern reader read wrongly.
"""

import datetime

import pytest

from tests.utils.xlsx_parts import DATE_STYLES, MAIN, build, sheet_xml, workbook_xml
from utils.excel_read import CellError, UnreadableFile, open_workbook


def rows_of(path) -> list[tuple[int, list]]:
    with open_workbook(path) as book:
        return list(next(book.sheets()).rows)


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_formula_text_result_with_preserved_spaces(tmp_path):
    xml = sheet_xml(
        '<row r="1"><c r="A1" t="str"><f>" a "&amp;"b "</f><v xml:space="preserve"> ab </v></c>'
        '<c r="B1"><v xml:space="preserve"> 7 </v></c></row>'
    )
    assert rows_of(build(tmp_path / "f.xlsx", xml)) == [(1, [" ab ", 7])]


def test_1904_date_system_beside_x14_workbook_pr(tmp_path):
    workbook = workbook_xml(
        pr='<workbookPr date1904="1"/>',
        ext='<extLst><ext uri="{x}" xmlns:x14="http://schemas.microsoft.com/office/'
        'spreadsheetml/2009/9/main"><x14:workbookPr defaultImageDpi="96"/></ext></extLst>',
    )
    xml = sheet_xml('<row r="1"><c r="A1" s="1"><v>1</v></c></row>')
    path = build(tmp_path / "d.xlsx", xml, workbook=workbook, styles=DATE_STYLES)
    assert rows_of(path) == [(1, [datetime.date(1904, 1, 2)])]


def test_a_row_in_a_comment_is_no_row(tmp_path):
    xml = sheet_xml(
        '<row r="1">' + inline("A1", "kept") + "</row>"
        '<!-- <row r="2"><c r="A2" t="inlineStr"><is><t>hidden</t></is></c></row> -->'
        '<row r="3"><c r="A3"><v>1</v></c><!-- <c r="B3"><v>2</v></c> --><?pi <c/>?></row>'
    )
    assert rows_of(build(tmp_path / "c.xlsx", xml)) == [(1, ["kept"]), (2, []), (3, [1])]


def test_cdata_in_an_inline_string_is_text(tmp_path):
    xml = sheet_xml('<row r="1">' + inline("A1", "<![CDATA[a <b> & c]]>") + "</row>")
    assert rows_of(build(tmp_path / "cdata.xlsx", xml)) == [(1, ["a <b> & c"])]


def test_entities_and_character_references_are_decoded(tmp_path):
    xml = sheet_xml('<row r="1">' + inline("A1", "&lt;&amp;&#x4E2D;&#25991;&quot;") + "</row>")
    assert rows_of(build(tmp_path / "e.xlsx", xml)) == [(1, ['<&中文"'])]


def test_namespaces_are_told_by_uri_not_by_prefix(tmp_path):
    xml = (
        f'<worksheet xmlns="{MAIN}" xmlns:o="urn:other"><sheetData xmlns:s="{MAIN}">'
        '<s:row r="1"><s:c r="A1"><s:v>1</s:v></s:c><o:c r="B1"><o:v>2</o:v></o:c>'
        f'<c xmlns="urn:other" r="C1"><v>3</v></c><c r="D1"><v>4</v></c></s:row>'
        "</sheetData></worksheet>"
    )
    assert rows_of(build(tmp_path / "ns.xlsx", xml)) == [(1, [1, None, None, 4])]


def test_lower_case_and_missing_cell_references(tmp_path):
    xml = sheet_xml(
        '<row r="1"><c r="b1"><v>2</v></c><c><v>3</v></c><c r="e1"><v>5</v></c></row>'
        '<row><c r="c2"><v>6</v></c></row>'
    )
    assert rows_of(build(tmp_path / "refs.xlsx", xml)) == [
        (1, [None, 2, 3, None, 5]),
        (2, [None, None, 6]),
    ]


def test_escaped_surrogate_pairs_make_one_character(tmp_path):
    xml = sheet_xml('<row r="1">' + inline("A1", "_xD801__xDC05_|_xD801_|_x005F_x0041_") + "</row>")
    shared = (
        f'<sst xmlns="{MAIN}"><si><t>_xD83D__xDE00_</t></si>'
        "<si><r><t>a</t></r><rPh><t>ア</t></rPh></si></sst>"
    )
    xml2 = '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>'
    path = build(
        tmp_path / "u.xlsx", xml.replace("</sheetData>", xml2 + "</sheetData>"), shared=shared
    )
    assert rows_of(path) == [(1, ["\U00010405|\ufffd|_x0041_"]), (2, ["\U0001f600", "a"])]


def test_iso_date_cells_including_a_time_of_day(tmp_path):
    xml = sheet_xml(
        '<row r="1"><c r="A1" t="d"><v>12:30:00</v></c><c r="B1" t="d"><v>2026-11-24</v></c>'
        '<c r="C1" t="d"><v>2026-11-24T10:05:00Z</v></c><c r="D1" t="d"><v>soon</v></c></row>'
    )
    assert rows_of(build(tmp_path / "iso.xlsx", xml)) == [
        (
            1,
            [
                datetime.time(12, 30),
                datetime.date(2026, 11, 24),
                datetime.datetime(2026, 11, 24, 10, 5),
                "soon",
            ],
        )
    ]


def test_whole_numbers_under_a_date_format_outside_the_dates_stay_numbers(tmp_path):
    xml = sheet_xml(
        '<row r="1"><c r="A1" s="1"><v>-1</v></c><c r="B1" s="1"><v>3000000</v></c>'
        '<c r="C1" s="1"><v>2</v></c><c r="D1" s="1" t="e"><v>#N/A</v></c></row>'
    )
    path = build(tmp_path / "serials.xlsx", xml, styles=DATE_STYLES)
    assert rows_of(path) == [(1, [-1, 3_000_000, datetime.date(1900, 1, 2), CellError("#N/A")])]


def test_number_formats_of_differential_styles_are_not_cell_formats(tmp_path):
    styles = (
        f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="164" formatCode="0.0"/></numFmts>'
        '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>'
        '<dxfs><dxf><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></dxf></dxfs></styleSheet>'
    )
    xml = sheet_xml('<row r="1"><c r="A1" s="1"><v>45000</v></c></row>')
    assert rows_of(build(tmp_path / "dxf.xlsx", xml, styles=styles)) == [(1, [45000])]


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml"]
)
def test_a_document_type_declaration_is_refused_in_every_part(tmp_path, part):
    doctype = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    parts = {
        "xl/worksheets/sheet1.xml": sheet,
        "xl/workbook.xml": workbook_xml(),
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}"><si><t>&amp;</t></si></sst>',
    }
    parts[part] = parts[part].replace("<", doctype + "<", 1).replace("&amp;", "&e;")
    path = build(
        tmp_path / "dtd.xlsx",
        parts["xl/worksheets/sheet1.xml"],
        workbook=parts["xl/workbook.xml"],
        shared=parts["xl/sharedStrings.xml"],
    )
    with pytest.raises(UnreadableFile) as caught:
        rows_of(path)
    assert caught.value.code == "corrupt"
    assert "document type declaration" in caught.value.detail


def test_a_serial_below_one_under_a_date_format_is_a_time_of_day_as_in_xls(tmp_path):
    # pyexcel-xlsx__date_field.xlsx: 0 under DD/MM/YY; the xls of the same table, calamine
    # and openpyxl read 00:00
    xml = sheet_xml('<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>0.75</v></c></row>')
    path = build(tmp_path / "day_zero.xlsx", xml, styles=DATE_STYLES)
    assert rows_of(path) == [(1, [datetime.time(0, 0), datetime.time(18, 0)])]
