"""xls (BIFF8 in an OLE2 compound file), read by xlrd one sheet at a time."""

from __future__ import annotations

import datetime
import mmap
from collections.abc import Callable, Iterator
from typing import Any

import xlrd
import xlrd.compdoc

from .common import CellError, Sheet, UnreadableFile, Workbook, check_rows, number, trim


class _NullLog:
    """A logfile for xlrd, which otherwise prints warnings to stdout."""

    def write(self, text: str) -> int:
        return len(text)


_NULL_LOG = _NullLog()


def _ole_stream_names(path: str) -> set[str]:
    """Names in an OLE2 compound file's directory; 'corrupt' when it cannot be parsed."""
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mem:
        try:
            compdoc = xlrd.compdoc.CompDoc(mem, logfile=_NULL_LOG)
        except Exception as exc:  # xlrd raises many kinds on malformed input
            raise UnreadableFile("corrupt", f"OLE2: {exc!r}") from exc
        return {entry.name for entry in compdoc.dirlist}


class XlsWorkbook(Workbook):
    format = "xls"

    def __init__(self, path: str, max_rows: int | None) -> None:
        super().__init__()
        self._max_rows = max_rows
        names = _ole_stream_names(path)
        if {"EncryptionInfo", "EncryptedPackage"} & names:
            raise UnreadableFile("encrypted", "OLE2 file holding an encrypted package")
        if not {"Workbook", "Book"} & names:
            raise UnreadableFile("unsupported_type", "an OLE2 file that is not a workbook")
        self._book = self._call(
            lambda: xlrd.open_workbook(
                path, on_demand=True, formatting_info=False, logfile=_NULL_LOG
            )
        )

    @staticmethod
    def _call(action: Callable[[], Any]) -> Any:
        try:
            return action()
        except xlrd.XLRDError as exc:
            code = "encrypted" if "encrypted" in str(exc) else "corrupt"
            raise UnreadableFile(code, f"xls: {exc!r}") from exc
        except MemoryError:
            raise
        except Exception as exc:  # xlrd raises many kinds on malformed input
            raise UnreadableFile("corrupt", f"xls: {exc!r}") from exc

    def sheets(self) -> Iterator[Sheet]:
        for index in range(self._book.nsheets):
            sheet = self._call(lambda index=index: self._book.sheet_by_index(index))
            check_rows(sheet.name, sheet.nrows, self._max_rows)
            rows = self._track(self._rows(sheet, index))
            hidden = sheet.visibility != 0
            yield Sheet(sheet.name, index, rows, height=sheet.nrows, hidden=hidden)

    def _rows(self, sheet: xlrd.sheet.Sheet, index: int) -> Iterator[tuple[int, list]]:
        datemode = self._book.datemode
        for rowx in range(sheet.nrows):
            types = sheet.row_types(rowx)
            values = sheet.row_values(rowx)
            cells = [
                _xls_value(kind, value, datemode) for kind, value in zip(types, values, strict=True)
            ]
            yield rowx + 1, trim(cells)
        self._book.unload_sheet(index)

    def _release(self) -> None:
        self._book.release_resources()


def _xls_value(kind: int, value: Any, datemode: int) -> Any:
    """One xlrd cell as a plain value; a date serial below 1 is a time of day."""
    if kind == xlrd.XL_CELL_TEXT:
        return value or None
    if kind == xlrd.XL_CELL_NUMBER:
        return number(value)
    if kind == xlrd.XL_CELL_DATE:
        return _xls_date(value, datemode)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return CellError(xlrd.error_text_from_code.get(value, f"#ERR{value}"))
    return None


def _xls_date(value: float, datemode: int) -> datetime.datetime | datetime.time | int | float:
    try:
        moment = xlrd.xldate_as_datetime(value, datemode)
    except (xlrd.xldate.XLDateError, OverflowError, ValueError):
        return number(value)
    return moment.time() if 0 <= value < 1 else moment
