"""xls files that xlrd cannot parse, read by python-calamine.

Excel, LibreOffice and calamine open some files that xlrd refuses: a string table
whose declared counts are wrong, a compound-file directory that lists a sector twice.
calamine holds one sheet at a time as a dense range from its first to its last value
cell (about 32 bytes a cell), so a file of a few KB with values at A1 and IV65536
would cost it 16.7 million cells (1 GB, measured). Before calamine reads anything, the
records of the workbook stream are walked (linear, nothing held) and a file whose
sheet range passes :data:`MAX_CELLS` is refused (``over_limit``). Rows become Python
values one at a time.

calamine converts the cells itself, so some value rules differ from xlrd's path: a
date-time format at midnight gives a ``date``, an error cell (``#N/A``...) is read as
empty, and a negative serial under a date format is what calamine makes of it (a time
of day). A serial it cannot convert at all (1e300 under a date format) makes calamine
panic: that is caught and the file refused as ``corrupt``.
"""

from __future__ import annotations

import datetime
import mmap
import struct
from collections.abc import Iterator
from typing import Any

import python_calamine

from .common import Sheet, UnreadableFile, Workbook, check_rows, number, trim
from .xls import tolerant_compound_file

# 65,536 rows x 64 columns: about 130 MB of calamine's cells at most.
MAX_CELLS = 65_536 * 64
# BIFF records that hold a value calamine keeps (blank cells it drops), each starting
# with its row and column: FORMULA, LABELSST, NUMBER, RK, BOOLERR, LABEL, RSTRING.
_VALUE_RECORDS = frozenset((0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6))
_MULRK = 0x00BD  # row, first column, values..., last column
_BOF, _EOF = 0x0809, 0x000A


class CalamineXlsWorkbook(Workbook):
    format = "xls"

    def __init__(self, path: str, max_rows: int | None, *, xlrd_error: Exception) -> None:
        super().__init__()
        self._max_rows = max_rows
        cells = largest_sheet_range(_workbook_stream(path, xlrd_error))
        if cells > MAX_CELLS:
            raise UnreadableFile(
                "over_limit",
                f"xls: a sheet spans {cells} cells, at most {MAX_CELLS}",
                part="xls sheet",
                limit="cells per sheet",
            )
        try:
            self._book = python_calamine.CalamineWorkbook.from_path(path)
        except Exception as exc:  # calamine's errors have no common base class
            raise UnreadableFile("corrupt", f"xls: xlrd {xlrd_error!r}, calamine {exc!r}") from exc

    def sheets(self) -> Iterator[Sheet]:
        for index, meta in enumerate(self._book.sheets_metadata):
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = self._book.get_sheet_by_index(index)
            except Exception as exc:  # calamine's errors have no common base class
                raise UnreadableFile("corrupt", f"xls sheet {meta.name!r}: {exc!r}") from exc
            height = sheet.end[0] + 1 if sheet.end else 0
            check_rows(meta.name, height, self._max_rows)
            rows = self._track(_rows(sheet))
            yield Sheet(meta.name, index, rows, height=height)

    def _release(self) -> None:
        self._book.close()


def _workbook_stream(path: str, xlrd_error: Exception) -> bytes:
    """The Workbook (or Book) stream, found the tolerant way; 'corrupt' when not found."""
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mem:
        try:
            compdoc = tolerant_compound_file(mem)
            for name in ("Workbook", "Book"):  # looked up case-insensitively
                stream, base, size = compdoc.locate_named_stream(name)
                if stream is not None:
                    return bytes(stream[base : base + size])
        except Exception as exc:  # xlrd raises many kinds on malformed input
            raise UnreadableFile("corrupt", f"xls: xlrd {xlrd_error!r}, {exc!r}") from exc
    raise UnreadableFile("corrupt", f"xls: xlrd {xlrd_error!r}, no workbook stream")


def largest_sheet_range(stream: bytes) -> int:
    """The most cells of a dense range from the first to the last value cell of one
    substream (sheet) of a BIFF stream."""
    largest = 0
    rows = cols = None
    position, end = 0, len(stream)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        body = position + 4
        position = body + length
        if kind == _BOF:
            rows = cols = None
        elif kind == _EOF and rows is not None and cols is not None:
            largest = max(largest, (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1))
            rows = cols = None
        elif (kind in _VALUE_RECORDS and length >= 4) or (kind == _MULRK and length >= 6):
            if position > end:
                break
            row, first = struct.unpack_from("<HH", stream, body)
            last = struct.unpack_from("<H", stream, position - 2)[0] if kind == _MULRK else first
            rows = (min(rows[0], row), max(rows[1], row)) if rows else (row, row)
            low, high = min(first, last), max(first, last)
            cols = (min(cols[0], low), max(cols[1], high)) if cols else (low, high)
    if rows is not None and cols is not None:  # a stream cut before its last EOF
        largest = max(largest, (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1))
    return largest


def _rows(sheet: python_calamine.CalamineSheet) -> Iterator[tuple[int, list]]:
    """Rows numbered from 1. calamine 0.9's ``iter_rows`` starts at the sheet's first
    row but at the first used column: the columns before it are put back as None."""
    if sheet.start is None:
        return
    lead = [None] * sheet.start[1]
    rows = sheet.iter_rows()
    number_from_1 = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except BaseException as exc:  # a Rust panic is a BaseException (PanicException)
            if type(exc).__name__ != "PanicException":
                raise
            where = f"sheet {sheet.name!r} row {number_from_1 + 1}"
            raise UnreadableFile("corrupt", f"xls {where}: calamine {exc}") from None
        number_from_1 += 1
        yield number_from_1, trim([*lead, *map(_value, values)])


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool | datetime.date | datetime.time | datetime.timedelta):
        return value
    return number(value)
