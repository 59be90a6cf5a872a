"""A csv export never carries a formula, whatever separator the spreadsheet splits it on,
and the escapes come off again when the file is imported."""

import shutil
import subprocess

import openpyxl
import pytest

from tests.conftest import skip_unless_required
from utils.excel_read import open_workbook
from utils.excel_values import normalize_text
from utils.excel_write import ColumnFormat, SheetWriter, csv_text

CELLS = [
    "a;=1+1",  # LibreOffice splits on ";" by default in some locales
    "b,=2*3",
    "c|@SUM(1)",
    "c|=3+3",
    "d\t+4",
    "d\t=4+4",
    'e; "=5+5"',
    "f\n-6+1",
    "=7+7",
    "＝8+8",  # full-width sign
    "plain; text, no sign",
]
SEPARATORS = {",": 44, ";": 59, "\t": 9, "|": 124}  # LibreOffice's filter codes


def _write_csv(path):
    with SheetWriter(path, fmt="csv", sheet_name="s", columns=[ColumnFormat("备注")]) as writer:
        for cell in CELLS:
            writer.write_row([cell])
    return path


@pytest.mark.integration
@pytest.mark.parametrize("separator", SEPARATORS, ids=repr)
def test_libreoffice_finds_no_formula_whatever_the_separator(tmp_path, separator):
    if shutil.which("soffice") is None:
        skip_unless_required("LibreOffice (soffice) not installed")
    path = _write_csv(tmp_path / "export.csv")
    converted = subprocess.run(
        [
            "soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
            f"--infilter=CSV:{SEPARATORS[separator]},34,76,1", "--convert-to", "xlsx",
            "--outdir", str(tmp_path / "out"), str(path),
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    book = openpyxl.load_workbook(tmp_path / "out" / "export.xlsx")
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]
    assert cells, "LibreOffice read nothing"
    assert [cell.value for cell in cells if cell.data_type == "f"] == []


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("a;=1+1", "a;'=1+1"),
        ('e; "=5+5"', 'e; "\'=5+5"'),
        ("f\n-6+1", "f\n'-6+1"),
        ("＝8+8", "'＝8+8"),
        ("＋1", "'＋1"),
        ("a-b; c+d", "a-b; c+d"),
    ],
    ids=repr,
)
def test_a_formula_sign_wherever_a_cell_could_start_gets_an_apostrophe(cell, written):
    assert csv_text(cell) == written


def test_the_escapes_come_off_when_the_file_is_read_back(tmp_path):
    with open_workbook(_write_csv(tmp_path / "export.csv")) as book:
        sheet = next(book.sheets())
        values = [normalize_text(cells[0]) for _number, cells in sheet.rows]
    assert values == ["备注", *CELLS]
