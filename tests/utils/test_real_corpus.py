"""Real-world workbooks (tests/data/real, see its gather.py) read as python-calamine reads them.

Every sheet of every file is compared cell by cell with calamine, with the rules of
test_xlsx_reader_matches_calamine. A difference passes only when tests/data/real/ALLOWLIST
names it, and then, for xlsx, openpyxl (the second opinion) must read those cells (the
whole file when calamine cannot) as we do, if it can read the file at all: an entry says
the reference is wrong, not us. (For xls the second opinion would be xlrd, which our xls
reader is.) An entry that matches no difference any more fails too, so the list stays
short and true.
"""

from __future__ import annotations

import csv
import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from tests.utils.test_xlsx_reader_matches_calamine import REAL, calamine, normalised
from tests.utils.test_xlsx_reader_matches_calamine import ours as read_ours

FILES = REAL / "files"
MANIFEST = REAL / "MANIFEST.csv"
ALLOWLIST = REAL / "ALLOWLIST"
ERROR_TEXTS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}


def manifest() -> list[dict[str, str]]:
    with MANIFEST.open(newline="") as file:
        return list(csv.DictReader(file))


@dataclass(frozen=True)
class Entry:
    """One ALLOWLIST line. `where`: '*' (the whole file), cells ('Sheet1!B7 Sheet1!B9'),
    'stripped-spaces' (calamine's text is ours without some spaces) or 'not-compared' (calamine is not
    run on the file: it cannot end on it; ours must read or refuse it)."""

    file: str
    where: str
    reason: str


def allowlist() -> list[Entry]:
    """``file | where | reason`` lines; '#' starts a comment."""
    entries = []
    for line in ALLOWLIST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            file, where, reason = (part.strip() for part in line.split("|", 2))
            entries.append(Entry(file, where, reason))
    return entries


def outcome(read, path: Path):
    try:
        return normalised(read(path))
    except Exception as exc:  # any refusal or crash of either reader is a difference
        return f"{type(exc).__name__}: {str(exc)[:200]}"


def differences(a, b) -> dict[str, tuple]:
    """Cell ('Sheet!A1') → (ours, calamine's); 'file' when one of them could not read it."""
    if isinstance(a, str) and isinstance(b, str):
        return {}  # both refuse it
    if isinstance(a, str) or isinstance(b, str):
        return {"file": (a if isinstance(a, str) else "read", b if isinstance(b, str) else "read")}
    found: dict[str, tuple] = {}
    for name in sorted(a.keys() | b.keys()):
        if (name in a) != (name in b):
            found[f"{name}!sheet"] = (name in a, name in b)
            continue
        rows_a, rows_b = a[name], b[name]
        for row in sorted(rows_a.keys() | rows_b.keys()):
            va, vb = rows_a.get(row, []), rows_b.get(row, [])
            for col in range(max(len(va), len(vb))):
                x = va[col] if col < len(va) else None
                y = vb[col] if col < len(vb) else None
                if x != y:
                    found[f"{name}!{get_column_letter(col + 1)}{row}"] = (x, y)
    return found


def covered(entry: Entry, cell: str, ours, theirs) -> bool:
    if entry.where == "*" or cell in entry.where.split():
        return True
    if entry.where == "stripped-spaces":  # calamine strips the spaces of each <t>
        return isinstance(ours, str) and "".join(ours.split()) == "".join((theirs or "").split())
    return False


def read_openpyxl(path: Path) -> dict[str, dict[int, list]]:
    """openpyxl's reading (cached values), in the shape of `read_ours`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {}
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # read-only openpyxl believes <dimension>, often wrong
            rows = {}
            for number, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
                values = [None if v == "" or v in ERROR_TEXTS else v for v in raw]
                if any(v is not None for v in values):
                    rows[number] = values
            sheets[sheet.title] = rows
        return sheets
    finally:
        book.close()


def second_opinion(path: Path, found: dict[str, tuple], ours) -> None:
    """openpyxl reads every cell where calamine and we differ as we do (if it reads the file)."""
    try:
        theirs = normalised(read_openpyxl(path))
    except Exception:
        return  # openpyxl cannot read it either
    if "file" in found:
        assert theirs == ours, f"{path.name}: calamine cannot read it, openpyxl differs from ours"
        return
    for cell in found:
        name, _, ref = cell.rpartition("!")
        if ref == "sheet":
            continue
        column = "".join(c for c in ref if c.isalpha())
        row = theirs.get(name, {}).get(int(ref[len(column) :]), [])
        index = column_index_from_string(column) - 1
        value = row[index] if index < len(row) else None
        assert value == found[cell][0], (
            f"{path.name} {cell}: ours {found[cell][0]!r}, openpyxl {value!r}"
        )


ENTRIES = allowlist()


@pytest.mark.parametrize("row", manifest(), ids=lambda row: row["file"])
def test_every_file_reads_as_calamine_reads_it(row):
    path = FILES / row["file"]
    entries = [entry for entry in ENTRIES if entry.file == row["file"]]
    ours = outcome(read_ours, path)
    if any(entry.where == "not-compared" for entry in entries):
        assert isinstance(ours, dict) or ours.startswith("UnreadableFile"), ours
        return
    found = differences(ours, outcome(calamine, path))
    unexplained = {
        cell: values
        for cell, values in found.items()
        if not any(covered(entry, cell, *values) for entry in entries)
    }
    assert not unexplained, f"{row['file']} ({row['producer']}): ours vs calamine {unexplained}"
    for entry in entries:
        assert any(covered(entry, cell, *values) for cell, values in found.items()), (
            f"ALLOWLIST {entry.file} | {entry.where}: no such difference any more; remove it"
        )
    if found and isinstance(ours, dict) and path.suffix.lower() != ".xls":
        second_opinion(path, found, ours)


def test_the_manifest_lists_every_file_with_its_sha256():
    rows = manifest()
    names = sorted(path.name for path in FILES.iterdir())
    assert sorted(row["file"] for row in rows) == names
    for row in rows:
        data = (FILES / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["file"]
        assert len(data) < 1_000_000, row["file"]
        assert row["package"] and row["version"] and row["registry"] and row["path"]
        assert row["licence"] and "GPL" not in row["licence"].replace("or GPL", "")


def test_the_corpus_is_large_and_varied():
    rows = manifest()
    # the application, without its version: 'LibreOffice/6.4.7.2$Linux...' is LibreOffice
    producers = {
        row["producer"].split("/")[0].rstrip(" 0123456789.")
        for row in rows
        if row["producer"] != "unknown"
    }
    assert len(rows) >= 300
    assert len(producers) >= 5, producers
    assert sum(path.stat().st_size for path in FILES.iterdir()) < 40_000_000


def test_the_allowlist_is_short_and_says_why():
    names = {row["file"] for row in manifest()}
    assert len(ENTRIES) <= 15
    for entry in ENTRIES:
        assert entry.file in names, entry
        assert len(entry.reason) >= 20, entry
