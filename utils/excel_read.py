"""Read uploaded spreadsheets (xlsx, xls, csv) as numbered rows of plain Python values.

Framework-free. The format comes from the file's content, never from its name. Every
failure to read a file as a spreadsheet is an :class:`UnreadableFile` with a stable
``code``; other exceptions (a missing path, a bug) propagate unchanged.

Cell values are ``None`` (empty cell or empty string), ``str`` (as in the file, not
stripped), ``int`` (integral numbers below 2**53), ``float``, ``bool``,
``datetime.datetime`` (naive), ``datetime.date``, ``datetime.time``,
``datetime.timedelta`` or :class:`CellError`. Trailing empty cells of a row are dropped.

Memory, per format:

- xlsx is read by python-calamine, whose Rust side holds one whole sheet in memory: a
  rectangle from the first to the last non-empty cell, about 32 bytes per cell even when
  the cells are empty (measured with calamine 0.9.1). It ignores ``<dimension>`` and cells
  that only carry a style, so a claimed range of A1:Z1048576 with 3 real rows costs
  nothing; but one stray value at Z1048576 costs about 840 MB, and one at XFD1048576 makes
  Rust abort the whole process (an allocation of 512 GB). So before calamine loads a sheet,
  its XML is streamed once through a byte scanner that finds that rectangle; a sheet
  taller than ``max_rows`` or bigger than ``max_cells`` is refused first. The same scan
  recovers error cells, which calamine turns into empty strings.
- xls is read by xlrd, which loads one sheet at a time (at most 65,536 x 256 cells);
  rows are converted lazily.
- csv is streamed with the csv module; nothing but the current row is held.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import mmap
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from xml.etree import ElementTree

import python_calamine
import xlrd
import xlrd.compdoc

HEAD_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_SAFE_INT = 2**53
DEFAULT_MAX_CELLS = 10_000_000

_OTHER_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"BZh",
    b"7z\xbc\xaf",
    b"Rar!",
    b"{\\rtf",
)
_MARKUP_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<table", b"<head", b"<body", b"<meta")


class UnreadableFile(Exception):
    """The file cannot be read as a spreadsheet. `code` is stable, `detail` is English for logs.

    Codes: ``empty``, ``unsupported_type``, ``corrupt``, ``encrypted``,
    ``too_large_uncompressed`` (params ``limit``, ``size``), ``bad_encoding``,
    ``too_many_rows`` (params ``max_rows``, ``rows``: the last row number of the sheet),
    ``too_many_cells`` (params ``max_cells``, ``cells``: xlsx only, see the module doc).
    """

    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail
        self.params = params

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code

    def __reduce__(self) -> tuple[Any, tuple]:
        return functools.partial(UnreadableFile, self.code, self.detail, **self.params), ()


class CellError:
    """An Excel error cell such as ``#DIV/0!`` or ``#N/A``; equal when the texts are."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"CellError({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellError) and other.text == self.text

    def __hash__(self) -> int:
        return hash((CellError, self.text))


@dataclass
class Sheet:
    """One sheet: `rows` yields ``(row number from 1, values)``, blank rows included.

    `height` is the number of the sheet's last row (0 when empty), known before reading:
    `rows` yields that many rows. `hidden` tells whether the workbook hides the sheet.
    """

    name: str
    index: int
    rows: Iterator[tuple[int, list]]
    height: int | None = None
    hidden: bool = False


class Workbook:
    """An open spreadsheet: iterate :meth:`sheets`, then :meth:`close` (or use ``with``).

    `encoding` and `delimiter` are set for csv only (``'utf-8-sig'``, ``'utf-8'`` or
    ``'gb18030'``; one of ``, ; \\t |``), None otherwise.
    """

    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self) -> None:
        self._generators: list[Generator] = []
        self._closed = False

    def sheets(self) -> Iterator[Sheet]:
        """Yield the worksheets lazily, one at a time, in workbook order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the file and the reader; idempotent."""
        if self._closed:
            return
        self._closed = True
        for generator in self._generators:
            generator.close()
        self._generators.clear()
        self._release()

    def _release(self) -> None:
        """Free what the format's reader holds."""

    def _track(
        self, rows: Generator[tuple[int, list], None, None]
    ) -> Generator[tuple[int, list], None, None]:
        """Remember a row generator so that :meth:`close` can close it."""
        self._generators.append(rows)
        return rows

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def detect_format(head: bytes) -> str:
    """Return ``'xlsx'``, ``'xls'`` or ``'csv'`` from the first bytes of a file.

    A zip is called xlsx and an OLE2 compound file xls (``open_workbook`` looks inside
    both); text without NUL bytes that decodes as UTF-8 or GB18030 is csv. Raises
    ``UnreadableFile('empty')`` for no bytes and ``'unsupported_type'`` for anything else,
    including HTML or XML saved with an .xls name.
    """
    if not head:
        raise UnreadableFile("empty", "the file has no bytes")
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if head.startswith(_OTHER_BINARY_MAGIC):
        raise UnreadableFile("unsupported_type", f"binary file starting {head[:8]!r}")
    if b"\x00" in head or _head_encoding(head) is None:
        raise UnreadableFile("unsupported_type", "neither a workbook nor UTF-8/GB18030 text")
    if _is_markup(head):
        raise UnreadableFile("unsupported_type", "HTML or XML text, not csv")
    return "csv"


def _decodes(head: bytes, encoding: str) -> bool:
    """True when `head` decodes, allowing a multibyte character cut at its end."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _head_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        if _decodes(head, encoding):
            return encoding
    return None


def _is_markup(head: bytes) -> bool:
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()[:16].lower()
    return start.startswith(_MARKUP_STARTS)


def open_workbook(
    path: str | os.PathLike,
    *,
    max_uncompressed_bytes: int = 1_000_000_000,
    max_rows: int | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Workbook:
    """Open a spreadsheet whose format is detected from its content.

    Checks made here: type, emptiness, encryption, zip size (the sum of the declared
    uncompressed sizes, then the real sizes while streaming), csv encoding and csv row
    count. Checks made when :meth:`Workbook.sheets` reaches a sheet: ``too_many_rows``
    (its last row number > `max_rows`) and, for xlsx, ``too_many_cells``.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
    fmt = detect_format(head)
    if fmt == "xlsx":
        return _XlsxWorkbook(path, max_uncompressed_bytes, max_rows, max_cells)
    if fmt == "xls":
        return _XlsWorkbook(path, max_rows)
    return _CsvWorkbook(path, head, max_rows)


def _number(value: float) -> int | float:
    """An integral float below 2**53 as int, any other float unchanged."""
    if value.is_integer() and -MAX_SAFE_INT < value < MAX_SAFE_INT:
        return int(value)
    return value


def _check_rows(sheet: str, rows: int, max_rows: int | None) -> None:
    """Refuse a sheet whose last row number is above `max_rows`."""
    if max_rows is not None and rows > max_rows:
        raise UnreadableFile("too_many_rows", f"sheet {sheet!r}", max_rows=max_rows, rows=rows)


def _trim(values: list) -> list:
    """Drop trailing None values in place and return the list."""
    while values and values[-1] is None:
        values.pop()
    return values


# --- xlsx ---------------------------------------------------------------------------

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SCAN_CHUNK = 1 << 20
_MAX_CARRY = 64 << 20
_ROOT = re.compile(rb"<([\w.-]+:)?worksheet\b")
_TOKEN = re.compile(rb"<(?:[\w.-]+:)?(row|c|v)\b([^>]*)>([^<]*)")
_ATTR_R = re.compile(rb'\sr="([A-Z]*)([0-9]*)"')
_ATTR_T_ERROR = re.compile(rb'\st="e"')


@dataclass
class _SheetScan:
    """The rectangle of non-empty cells of one sheet and its error cells (1-based)."""

    first_row: int | None = None
    last_row: int = 0
    first_col: int = 0
    last_col: int = 0
    errors: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    def add_rows(self, low: int, high: int) -> None:
        self.first_row = low if self.first_row is None else min(self.first_row, low)
        self.last_row = max(self.last_row, high)

    def add_cols(self, low: int, high: int) -> None:
        self.first_col = low if not self.first_col else min(self.first_col, low)
        self.last_col = max(self.last_col, high)

    def add_error(self, row: int, col: int, text: bytes) -> None:
        self.errors.setdefault(row, []).append((col, _unescape(text)))

    @property
    def cells(self) -> int:
        if self.first_row is None:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)


def _unescape(text: bytes) -> str:
    return text.decode("utf-8", "replace").replace("&amp;", "&").strip()


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def _split_point(buf: bytes) -> int:
    """Index just after the last ``</row>`` (any prefix) in `buf`, or -1."""
    end = len(buf)
    while (found := buf.rfind(b"row>", 0, end)) >= 0:
        start = buf.rfind(b"<", 0, found)
        if start >= 0 and buf[start + 1 : start + 2] == b"/" and b">" not in buf[start:found]:
            return found + 4
        end = found
    return -1


def _sheet_chunks(member: zipfile.ZipExtFile) -> Iterator[bytes]:
    """Yield the sheet XML in pieces that each end after a whole row."""
    carry = b""
    while chunk := member.read(_SCAN_CHUNK):
        buf = carry + chunk
        end = _split_point(buf)
        if end < 0 and len(buf) > _MAX_CARRY:
            end = buf.rfind(b"<")
        if end <= 0:
            carry = buf
            continue
        yield buf[:end]
        carry = buf[end:]
    if carry:
        yield carry


class _FastScanner:
    """Cell positions from the r attribute, for sheets whose cell tags all start with it.

    Every known writer (Excel, WPS, LibreOffice, openpyxl, XlsxWriter) does that; the
    patterns begin with the literal tag so that the regex engine searches fast.
    """

    def __init__(self, prefix: bytes, scan: _SheetScan) -> None:
        self.scan = scan
        self.open_tags = (b"<" + prefix + b"c ", b"<" + prefix + b"c>")
        self.open_with_r = b"<" + prefix + b'c r="'
        self.cell_ref, self.error_cell = _fast_patterns(prefix)

    def feed(self, chunk: bytes) -> bool:
        """Add the chunk to the scan, or return False when a cell tag lacks a leading r."""
        tags = sum(chunk.count(tag) for tag in self.open_tags)
        if tags != chunk.count(self.open_with_r):
            return False
        cells = self.cell_ref.findall(chunk)
        if cells:
            rows = [int(row) for row in {row for _, row in cells}]
            cols = [_column_number(col) for col in {col for col, _ in cells}]
            self.scan.add_rows(min(rows), max(rows))
            self.scan.add_cols(min(cols), max(cols))
        if b't="e"' in chunk:
            for letters, row, text in self.error_cell.findall(chunk):
                self.scan.add_error(int(row), _column_number(letters), text)
        return True


@functools.cache
def _fast_patterns(prefix: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """(non-empty cell, error cell with its cached value) for a namespace prefix."""
    p = re.escape(prefix)
    cell = rb"<" + p + rb'c r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*'
    formula = rb"(?:\s*<" + p + rb"f\b[^>]*?(?:/>|>[^<]*</" + p + rb"f>))?"
    error = cell + rb'\st="e"[^>/]*>' + formula + rb"\s*<" + p + rb"v>([^<]*)<"
    return re.compile(cell + rb">"), re.compile(error)


class _Tokenizer:
    """Exact positions for sheets whose cells lack a leading r attribute (rare writers)."""

    def __init__(self, scan: _SheetScan) -> None:
        self.scan = scan
        self.row = 0
        self.col = 0
        self.error_at: tuple[int, int] | None = None

    def feed(self, chunk: bytes) -> None:
        for name, attrs, text in _TOKEN.findall(chunk):
            if name == b"row":
                ref = _ATTR_R.search(attrs)
                self.row = int(ref[2]) if ref and ref[2] else self.row + 1
                self.col = 0
            elif name == b"c":
                self._cell(attrs)
            elif self.error_at is not None:
                self.scan.add_error(*self.error_at, text)
                self.error_at = None

    def _cell(self, attrs: bytes) -> None:
        ref = _ATTR_R.search(attrs)
        if ref and ref[1]:
            self.col = _column_number(ref[1])
            self.row = int(ref[2]) if ref[2] else self.row
        else:
            self.col += 1
        self.error_at = None
        if attrs.endswith(b"/"):
            return
        self.scan.add_rows(self.row, self.row)
        self.scan.add_cols(self.col, self.col)
        if _ATTR_T_ERROR.search(attrs):
            self.error_at = (self.row, self.col)


def _scan_sheet(zf: zipfile.ZipFile, member: str) -> _SheetScan:
    """Stream one sheet's XML once: its non-empty rectangle and its error cells."""
    scan = _SheetScan()
    scanner: _FastScanner | None = None
    with zf.open(member) as stream:
        for chunk in _sheet_chunks(stream):
            if scanner is None:
                root = _ROOT.search(chunk)
                scanner = _FastScanner((root[1] if root else None) or b"", scan)
            if not scanner.feed(chunk):
                return _scan_slow(zf, member)
    return scan


def _scan_slow(zf: zipfile.ZipFile, member: str) -> _SheetScan:
    scan = _SheetScan()
    tokenizer = _Tokenizer(scan)
    with zf.open(member) as stream:
        for chunk in _sheet_chunks(stream):
            tokenizer.feed(chunk)
    return scan


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str | None]:
    """Map each sheet name of xl/workbook.xml to its XML member in the zip (None: absent)."""
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    targets: dict[str, str] = {}
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in zf.NameToInfo:
        for rel in ElementTree.fromstring(zf.read(rels_name)).iter(f"{_NS_PKG_REL}Relationship"):
            targets[rel.get("Id", "")] = rel.get("Target", "")
    members = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id", ""), "")
        members[sheet.get("name", "")] = _member(zf, target)
    return members


def _member(zf: zipfile.ZipFile, target: str) -> str | None:
    """The zip member a relationship target names: relative to xl/, or from the root."""
    relative = posixpath.normpath(f"xl/{target}")
    absolute = posixpath.normpath(target.lstrip("/"))
    for name in (absolute, relative) if target.startswith("/") else (relative, absolute):
        if name in zf.NameToInfo:
            return name
    return None


def _verify_members(zf: zipfile.ZipFile, skip: set[str]) -> None:
    """Decompress every other member once: real sizes and CRCs must match the directory."""
    for info in zf.infolist():
        if info.is_dir() or info.filename in skip:
            continue
        with zf.open(info) as stream:
            while stream.read(_SCAN_CHUNK):
                pass


# What zipfile and zlib raise on damaged archives (the path itself was opened already).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
)


class _XlsxWorkbook(Workbook):
    format = "xlsx"

    def __init__(
        self, path: str, max_uncompressed: int, max_rows: int | None, max_cells: int
    ) -> None:
        super().__init__()
        self._max_rows = max_rows
        self._max_cells = max_cells
        self._zip = _open_zip(path, max_uncompressed)
        try:
            self._members = self._inspect()
            self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
            self._book = _open_calamine(self._file)
        except BaseException:
            self._zip.close()
            raise

    def _inspect(self) -> dict[str, str]:
        try:
            members = _sheet_members(self._zip)
            _verify_members(self._zip, skip={m for m in members.values() if m})
        except (*_ZIP_ERRORS, ElementTree.ParseError) as exc:
            raise UnreadableFile("corrupt", f"xlsx: {exc!r}") from exc
        return members

    def sheets(self) -> Iterator[Sheet]:
        visible = python_calamine.SheetVisibleEnum.Visible
        for index, meta in enumerate(self._book.sheets_metadata):
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            scan = self._scan(meta.name)
            try:
                sheet = self._book.get_sheet_by_name(meta.name)
            except python_calamine.CalamineError as exc:
                raise UnreadableFile("corrupt", f"sheet {meta.name!r}: {exc!r}") from exc
            rows = self._track(_calamine_rows(sheet, scan))
            hidden = meta.visible != visible
            yield Sheet(meta.name, index, rows, height=scan.last_row, hidden=hidden)

    def _scan(self, name: str) -> _SheetScan:
        member = self._members.get(name)
        if member is None:  # calamine would load a part the guard has not seen
            raise UnreadableFile("corrupt", f"sheet {name!r}: its XML part is missing")
        try:
            scan = _scan_sheet(self._zip, member)
        except _ZIP_ERRORS as exc:
            raise UnreadableFile("corrupt", f"sheet {name!r}: {exc!r}") from exc
        _check_rows(name, scan.last_row, self._max_rows)
        if scan.cells > self._max_cells:
            raise UnreadableFile(
                "too_many_cells", f"sheet {name!r}", max_cells=self._max_cells, cells=scan.cells
            )
        return scan

    def _release(self) -> None:
        self._book.close()
        self._file.close()
        self._zip.close()


def _open_zip(path: str, max_uncompressed: int) -> zipfile.ZipFile:
    """Open the zip and refuse it before any decompression when it claims too much."""
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise UnreadableFile("corrupt", f"zip: {exc!r}") from exc
    size = sum(info.file_size for info in zf.infolist())
    if size > max_uncompressed:
        zf.close()
        raise UnreadableFile(
            "too_large_uncompressed",
            f"{size} bytes uncompressed",
            limit=max_uncompressed,
            size=size,
        )
    if "xl/workbook.xml" not in zf.NameToInfo:
        zf.close()
        raise UnreadableFile("unsupported_type", "a zip without xl/workbook.xml")
    return zf


def _open_calamine(file: Any) -> python_calamine.CalamineWorkbook:
    """Open with calamine from the file object (from a path it would trust the extension)."""
    try:
        return python_calamine.CalamineWorkbook.from_filelike(file)
    except python_calamine.PasswordError as exc:
        file.close()
        raise UnreadableFile("encrypted", repr(exc)) from exc
    except python_calamine.CalamineError as exc:
        file.close()
        raise UnreadableFile("corrupt", f"calamine: {exc!r}") from exc


def _calamine_rows(
    sheet: python_calamine.CalamineSheet, scan: _SheetScan
) -> Iterator[tuple[int, list]]:
    """Rows 1..scan.last_row; calamine pads the rows above its range, not the columns.

    The scan may count a few more rows than calamine (a formula without a cached value
    at the bottom): those are yielded blank, so `Sheet.height` rows always come out.
    """
    number = 0
    start = sheet.start
    if start is not None:
        pad = [None] * start[1]
        for number, raw in enumerate(sheet.iter_rows(), 1):
            values = pad + [
                (value or None) if type(value) is str else _calamine_value(value) for value in raw
            ]
            for col, text in scan.errors.get(number, ()):
                values.extend([None] * (col - len(values)))
                values[col - 1] = CellError(text)
            yield number, _trim(values)
    for blank in range(number + 1, scan.last_row + 1):
        yield blank, []


def _calamine_value(value: Any) -> Any:
    return _number(value) if type(value) is float else value


# --- xls ----------------------------------------------------------------------------


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


class _XlsWorkbook(Workbook):
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
            _check_rows(sheet.name, sheet.nrows, self._max_rows)
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
            yield rowx + 1, _trim(cells)
        self._book.unload_sheet(index)

    def _release(self) -> None:
        self._book.release_resources()


def _xls_value(kind: int, value: Any, datemode: int) -> Any:
    """One xlrd cell as a plain value; a date serial below 1 is a time of day."""
    if kind == xlrd.XL_CELL_TEXT:
        return value or None
    if kind == xlrd.XL_CELL_NUMBER:
        return _number(value)
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
        return _number(value)
    return moment.time() if 0 <= value < 1 else moment


# --- csv ----------------------------------------------------------------------------

CSV_DELIMITERS = ",;\t|"
_SNIFF_CHARS = 16 * 1024


class _CsvWorkbook(Workbook):
    format = "csv"

    def __init__(self, path: str, head: bytes, max_rows: int | None) -> None:
        super().__init__()
        self._path = path
        self.encoding, self.delimiter, self._height = _csv_layout(path, head)
        _check_rows("csv", self._height, max_rows)

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet("csv", 0, self._track(self._rows()), height=self._height)

    def _rows(self) -> Iterator[tuple[int, list]]:
        with open(self._path, encoding=self.encoding, newline="") as file:
            reader = csv.reader(file, delimiter=self.delimiter or ",")
            try:
                for number, record in enumerate(reader, 1):
                    yield number, _trim([value or None for value in record])
            except csv.Error as exc:
                raise UnreadableFile("corrupt", f"csv: {exc}") from exc


def _csv_layout(path: str, head: bytes) -> tuple[str, str, int]:
    """(encoding, delimiter, record count): read the whole file once, UTF-8 first."""
    bom = head.startswith(codecs.BOM_UTF8)
    candidates = ["utf-8-sig"] if bom else ["utf-8", "gb18030"]
    for encoding in candidates:
        delimiter = _sniff_delimiter(head.decode(encoding, "replace"))
        try:
            return encoding, delimiter, _count_records(path, encoding, delimiter)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("bad_encoding", f"not {' nor '.join(candidates)}")


def _count_records(path: str, encoding: str, delimiter: str) -> int:
    with open(path, encoding=encoding, newline="") as file:
        try:
            return sum(1 for _ in csv.reader(file, delimiter=delimiter))
        except csv.Error as exc:
            raise UnreadableFile("corrupt", f"csv: {exc}") from exc


def _sniff_delimiter(text: str) -> str:
    """The delimiter among ``, ; \\t |`` that csv.Sniffer finds in the first lines, else ','."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","
