"""Small crafted xlsx files end within the reader's limits, each with one exact outcome.

Cost is bounded by what is counted (rows taken from the reader, strings kept), never by
the clock: the parser sees each byte once, so the time is linear in the file.
"""

import itertools

import pytest

from tests.utils.xlsx_parts import MAIN, build, sheet_xml
from utils.excel_read import UnreadableFile, limits, open_workbook

ROWS_TAKEN_AT_MOST = 2_000_000  # more than any sheet may have: reaching it means no end


def take(path, at_most: int = ROWS_TAKEN_AT_MOST) -> tuple[list, UnreadableFile | None]:
    """The rows read (at most `at_most`) and the refusal that ended them, if any."""
    rows: list = []
    try:
        with open_workbook(path) as book:
            for sheet in book.sheets():
                rows.extend(itertools.islice(sheet.rows, at_most - len(rows)))
    except UnreadableFile as refusal:
        return rows, refusal
    return rows, None


def test_a_row_number_of_ten_to_the_twenty_is_refused_at_once(tmp_path):
    far = '<row r="100000000000000000000"><c><v>1</v></c></row>'
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' + far)
    rows, refusal = take(build(tmp_path / "far.xlsx", xml))
    assert rows == []  # refused while the first piece of the sheet is parsed
    assert refusal.code == "too_many_rows"
    assert refusal.params == {"max_rows": 1_048_576, "rows": 10**20}
    assert "row 100000000000000000000" in refusal.detail and "S1" in refusal.detail


def test_the_row_after_excels_last_row_is_refused(tmp_path):
    xml = sheet_xml('<row r="1048576"><c r="A1048576"><v>1</v></c></row><row r="1048577"/>')
    rows, refusal = take(build(tmp_path / "last.xlsx", xml))
    assert rows == [] and refusal.params == {"max_rows": 1_048_576, "rows": 1_048_577}


def test_a_column_past_xfd_is_refused(tmp_path):
    xml = sheet_xml('<row r="1"><c r="XFD1"><v>1</v></c><c r="XFE1"><v>2</v></c></row>')
    rows, refusal = take(build(tmp_path / "wide.xlsx", xml))
    assert (rows, refusal.code, refusal.params["limit"]) == ([], "over_limit", 16_384)
    assert "XFE1" in refusal.detail and refusal.params["part"] == "xl/worksheets/sheet1.xml"


def test_cells_without_references_stop_at_xfd(tmp_path):
    xml = sheet_xml('<row r="1">' + "<c><v>1</v></c>" * 16_385 + "</row>")
    rows, refusal = take(build(tmp_path / "many.xlsx", xml))
    assert (rows, refusal.code) == ([], "over_limit")


def test_rows_must_increase(tmp_path):
    """Else a file could make the reader yield a million blank rows again and again."""
    xml = sheet_xml('<row r="1048576"><c><v>1</v></c></row><row r="1"><c><v>1</v></c></row>')
    rows, refusal = take(build(tmp_path / "back.xlsx", xml))
    assert refusal.code == "corrupt" and "row 1 after row 1048576" in refusal.detail
    assert len(rows) <= 1_048_576


def test_eighty_thousand_unclosed_cells_are_corrupt(tmp_path):
    xml = sheet_xml('<row r="1">' + '<c r="A1"><v>1</v>' * 80_000 + "</row>")
    rows, refusal = take(build(tmp_path / "unclosed.xlsx", xml))
    assert (rows, refusal.code) == ([], "corrupt")
    assert "mismatched tag" in refusal.detail


def test_runs_of_row_end_text_are_plain_text(tmp_path):
    runs = "row>" * 200_000
    xml = sheet_xml(
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>{runs}</t></is></c></row>{runs}'
        '<row r="2"><c r="A2"><v>2</v></c></row>'
    ).replace("<sheetData>", f"<sheetData>{runs}")
    rows, refusal = take(build(tmp_path / "runs.xlsx", xml))
    assert refusal is None and rows == [(1, [runs]), (2, [2])]


def test_a_cell_text_past_the_limit_is_refused(tmp_path):
    text = "x" * (limits.MAX_TEXT_CHARS + 1)
    xml = sheet_xml(f'<row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c></row>')
    rows, refusal = take(build(tmp_path / "long.xlsx", xml))
    assert (rows, refusal.code, refusal.params["limit"]) == ([], "over_limit", 1_048_576)


def test_shared_strings_past_the_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHARED_STRINGS", 1_000)
    xml = sheet_xml('<row r="1"><c r="A1" t="s"><v>999</v></c></row>')

    def shared(count):
        return f'<sst xmlns="{MAIN}">' + "<si><t/></si>" * count + "</sst>"

    rows, refusal = take(build(tmp_path / "ok.xlsx", xml, shared=shared(1_000)))
    assert (rows, refusal) == ([], None)  # string 999 is empty
    rows, refusal = take(build(tmp_path / "many.xlsx", xml, shared=shared(1_001)))
    assert (rows, refusal.code) == ([], "over_limit")
    assert refusal.params == {"part": "xl/sharedStrings.xml", "limit": 1_000}


def test_millions_of_empty_shared_strings_are_not_a_tree(tmp_path):
    """Each kept empty string is the same object: a pointer each, within the limit."""
    count = 1_000_000
    shared = f'<sst xmlns="{MAIN}">' + "<si/>" * count + "</sst>"
    xml = sheet_xml(f'<row r="1"><c r="A1" t="s"><v>{count - 1}</v></c></row>')
    path = build(tmp_path / "empty.xlsx", xml, shared=shared)
    with open_workbook(path) as book:
        assert list(next(book.sheets()).rows) == []
        strings = book.shared_strings()
    assert len(strings) == count and len({id(text) for text in strings}) == 1


@pytest.mark.parametrize(
    ("limit", "styles"),
    [
        ("MAX_PART_ELEMENTS", "<fonts>" + "<font/>" * 2_000 + "</fonts>"),
        ("MAX_CELL_STYLES", "<cellXfs>" + '<xf numFmtId="14"/>' * 2_000 + "</cellXfs>"),
        (
            "MAX_NUMBER_FORMATS",
            "<numFmts>" + "".join(f'<numFmt numFmtId="{i}"/>' for i in range(2_000)) + "</numFmts>",
        ),
    ],
    ids=["elements", "cell styles", "number formats"],
)
def test_styles_past_a_limit_are_refused(tmp_path, monkeypatch, limit, styles):
    monkeypatch.setattr(limits, limit, 1_000)
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
    styles = f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>'
    rows, refusal = take(build(tmp_path / "styles.xlsx", xml, styles=styles))
    assert (rows, refusal.code) == ([], "over_limit")
    assert refusal.params == {"part": "xl/styles.xml", "limit": 1_000}


def test_entity_expansion_is_refused_before_any_expansion(tmp_path):
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    xml = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row>',
        head=f"<!DOCTYPE worksheet [{lol}]>",
    )
    rows, refusal = take(build(tmp_path / "lol.xlsx", xml))
    assert (rows, refusal.code) == ([], "corrupt")
    assert "document type declaration" in refusal.detail
