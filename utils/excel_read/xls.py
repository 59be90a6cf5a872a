"""xls (BIFF2 to BIFF8), read by xlrd one sheet at a time.

BIFF5 and BIFF8 files are OLE2 compound files holding a ``Workbook`` (or ``Book``)
stream, whatever the letter case of its name; BIFF2 to BIFF4 files are the bare
stream of records (xlrd reads their one worksheet). A file xlrd cannot parse (wrong
string-table counts, odd compound-file directories) is read by python-calamine instead
(:mod:`utils.excel_read.xls_calamine`).
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator
from typing import Any

import xlrd
import xlrd.compdoc

from .common import CellError, Sheet, UnreadableFile, Workbook, check_rows, number, trim
from .values import BUILTIN_DATE_KINDS, format_kind, serial_value


class _NullLog:
    """A logfile for xlrd, which otherwise prints warnings to stdout."""

    def write(self, text: str) -> int:
        return len(text)


_NULL_LOG = _NullLog()
# The names OLE2 gives the workbook stream (BIFF8, BIFF5), compared in lower case as
# compound-file directories compare them.
_WORKBOOK_STREAMS = {"workbook", "book"}
_ENCRYPTED_STREAMS = {"encryptioninfo", "encryptedpackage"}


def tolerant_compound_file(mem: mmap.mmap) -> xlrd.compdoc.CompDoc:
    """An OLE2 compound file read the tolerant way: a sector claimed twice is no error."""
    return xlrd.compdoc.CompDoc(mem, logfile=_NULL_LOG, ignore_workbook_corruption=True)


def ole_stream_names(path: str) -> set[str]:
    """The lower-case names in an OLE2 compound file's directory ('corrupt' when even
    the tolerant reading fails): what is checked here is only which streams it holds."""
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mem:
        try:
            compdoc = tolerant_compound_file(mem)
        except Exception as exc:  # xlrd raises many kinds on malformed input
            raise UnreadableFile("corrupt", f"OLE2: {exc!r}") from exc
        return {entry.name.lower() for entry in compdoc.dirlist}


def open_xls(path: str, max_rows: int | None, *, ole: bool) -> Workbook:
    """An xls workbook read by xlrd, or by python-calamine when xlrd cannot parse it.

    `ole` tells an OLE2 compound file from a bare BIFF2-BIFF4 stream.
    """
    if ole:
        names = ole_stream_names(path)
        if _ENCRYPTED_STREAMS & names:
            raise UnreadableFile("encrypted", "OLE2 file holding an encrypted package")
        if not _WORKBOOK_STREAMS & names:
            raise UnreadableFile("unsupported_type", "an OLE2 file that is not a workbook")
    # ragged_rows: a row holds its cells up to its last one, not the sheet's width, so a
    # far cell (IV65536) costs one row, not 65,536 x 256 cells.
    try:
        book = xlrd.open_workbook(
            path, on_demand=True, formatting_info=True, ragged_rows=True, logfile=_NULL_LOG
        )
    except MemoryError:
        raise
    except Exception as exc:  # xlrd raises many kinds on malformed input
        if "encrypted" in str(exc):
            raise UnreadableFile("encrypted", f"xls: {exc!r}") from exc
        if not ole:
            raise UnreadableFile("corrupt", f"xls: {exc!r}") from exc
        from .xls_calamine import CalamineXlsWorkbook

        return CalamineXlsWorkbook(path, max_rows, xlrd_error=exc)
    return XlsWorkbook(book, max_rows)


def _call(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except MemoryError:
        raise
    except Exception as exc:  # xlrd raises many kinds on malformed input
        raise UnreadableFile("corrupt", f"xls: {exc!r}") from exc


def _number_kinds(book: xlrd.Book) -> dict[int, str]:
    """For each XF index whose number format shows dates or times: 'date', 'time',
    'datetime' or 'duration', decided by the rules the xlsx reader applies."""
    kinds = {}
    for index, xf in enumerate(book.xf_list):
        known = book.format_map.get(xf.format_key)
        text = known.format_str if known is not None else None
        kind = format_kind(text) if text else BUILTIN_DATE_KINDS.get(xf.format_key)
        if kind:
            kinds[index] = kind
    return kinds


class XlsWorkbook(Workbook):
    format = "xls"

    def __init__(self, book: xlrd.Book, max_rows: int | None) -> None:
        super().__init__()
        self._book = book
        self._max_rows = max_rows
        self._kinds = _number_kinds(book)

    def sheets(self) -> Iterator[Sheet]:
        for index in range(self._book.nsheets):
            sheet = _call(lambda index=index: self._book.sheet_by_index(index))
            check_rows(sheet.name, sheet.nrows, self._max_rows)
            rows = self._track(self._rows(sheet, index))
            yield Sheet(sheet.name, index, rows, height=sheet.nrows)

    def _rows(self, sheet: xlrd.sheet.Sheet, index: int) -> Iterator[tuple[int, list]]:
        date1904 = bool(self._book.datemode)
        kinds = self._kinds
        # With formatting_info, xlrd keeps each row's XF indexes in an array beside its
        # values; reading it per row saves a call of cell_xf_index per cell.
        xf_rows = getattr(sheet, "_cell_xf_indexes", None)
        for rowx in range(sheet.nrows):
            values = sheet.row_values(rowx)
            xfs = xf_rows[rowx] if xf_rows is not None else ()
            cells = []
            for colx, kind in enumerate(sheet.row_types(rowx)):
                value = values[colx]
                if kind == xlrd.XL_CELL_TEXT:
                    cells.append(value or None)
                elif kind == xlrd.XL_CELL_NUMBER or kind == xlrd.XL_CELL_DATE:
                    xf = xfs[colx] if colx < len(xfs) else -1
                    shown_as = kinds.get(xf) if xf >= 0 else _without_xf(kind)
                    cells.append(
                        serial_value(value, shown_as, date1904) if shown_as else number(value)
                    )
                else:
                    cells.append(_plain_value(kind, value))
            yield rowx + 1, trim(cells)
        if self._book.on_demand:
            self._book.unload_sheet(index)

    def _release(self) -> None:
        self._book.release_resources()


def _without_xf(kind: int) -> str | None:
    """A number cell the file gives no XF (BIFF2 cells may carry their format inline):
    xlrd's own date test decides, and 'time' reads a serial below 1 as a time of day,
    any other as a datetime."""
    return "time" if kind == xlrd.XL_CELL_DATE else None


def _plain_value(kind: int, value: Any) -> Any:
    """A boolean, error or empty xlrd cell as a plain value."""
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return CellError(xlrd.error_text_from_code.get(value, f"#ERR{value}"))
    return None
