"""Read uploaded spreadsheets (xlsx, xls, csv) as numbered rows of plain Python values.

Framework-free. The format comes from the file's content, never from its name. Every
failure to read a file as a spreadsheet is an :class:`UnreadableFile` with a stable
``code``; other exceptions (a missing path, a bug) propagate unchanged.

Cell values are ``None`` (empty cell or empty string), ``str`` (as in the file, not
stripped), ``int`` (integral numbers below 2**53), ``float``, ``bool``,
``datetime.datetime`` (naive), ``datetime.date``, ``datetime.time``,
``datetime.timedelta`` or :class:`CellError`. Trailing empty cells of a row are dropped.

Memory, per format (every reader streams; what is held besides the current row):

- xlsx: each worksheet's XML is decompressed in 1 MB pieces and its cells are picked out
  by byte patterns, one row at a time (no reader library: python-calamine holds a whole
  sheet, about 1.4 KB per 20-column row, and openpyxl's read-only mode is about 8 times
  slower). Held: the shared strings table (the distinct texts of the workbook, as the
  format requires) and the date styles. The declared zip sizes are checked before any
  decompression and every part's real size and CRC while it is read.
- xls is read by xlrd, which loads one sheet at a time (at most 65,536 x 256 cells);
  rows are converted lazily.
- csv is streamed with the csv module; nothing but the current row is held.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import itertools
import math
import mmap
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from xml.etree import ElementTree

import xlrd
import xlrd.compdoc

HEAD_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_SAFE_INT = 2**53

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
    ``too_many_rows`` (params ``max_rows``, ``rows``: the last row number of the sheet).
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

    `height` is the number of the sheet's last row as known before reading (for xlsx,
    as its ``<dimension>`` declares it; None when the file does not say): a progress
    hint, not a promise. `hidden` tells whether the workbook hides the sheet.
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
) -> Workbook:
    """Open a spreadsheet whose format is detected from its content.

    Checks made here: type, emptiness, encryption, zip size (the sum of the declared
    uncompressed sizes, then the real sizes while streaming), csv encoding and csv row
    count. ``too_many_rows`` (a row number above `max_rows`): xls and csv before their
    rows are read, xlsx when the reader reaches such a row.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
    fmt = detect_format(head)
    if fmt == "xlsx":
        return _XlsxWorkbook(path, max_uncompressed_bytes, max_rows)
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

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict Open XML
)
_REL_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SCAN_CHUNK = 1 << 20
_MAX_CARRY = 64 << 20
_ROOT = re.compile(rb"<([\w.-]+:)?worksheet\b")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="[A-Z]*[0-9]*:[A-Z]*([0-9]+)"')
_ATTR = re.compile(rb'([\w.:-]+)\s*=\s*"([^"]*)"')
_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]*)")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Number format ids Excel builds in that show dates and times (ECMA-376 18.8.30, with
# the ids the Chinese, Japanese and Korean versions add).
_BUILTIN_DATE_KINDS = {
    **dict.fromkeys((14, 15, 16, 17, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58), "date"),
    **dict.fromkeys((18, 19, 20, 21, 32, 33, 34, 35, 45, 47, 55, 56), "time"),
    22: "datetime",
    46: "duration",
}
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.')
_FORMAT_DURATION = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
_FORMAT_BRACKETS = re.compile(r"\[[^\]]*\]")
_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)
_DAY_MS = 86_400_000


def _xml_text(raw: bytes) -> str:
    """The text of an XML text node as a parser gives it, plus OOXML's ``_xHHHH_`` escapes."""
    text = raw.decode()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    return text


def _entity(match: re.Match) -> str:
    name = match[1]
    if name[0] != "#":
        return _ENTITIES[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"


_COLUMNS: dict[bytes, int] = {}  # column letters → number, as they are met (at most 18,278)


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    _COLUMNS[letters] = number
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
            raise UnreadableFile("corrupt", "a sheet row longer than 64 MB")
        if end <= 0:
            carry = buf
            continue
        yield buf[:end]
        carry = buf[end:]
    if carry:
        yield carry


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attr(element: ElementTree.Element, name: str) -> str:
    """An attribute in any of the relationship namespaces (Transitional or Strict)."""
    for namespace in _REL_NAMESPACES:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return value
    return ""


def _member(zf: zipfile.ZipFile, target: str) -> str | None:
    """The zip member a relationship target names: relative to xl/, or from the root."""
    relative = posixpath.normpath(f"xl/{target}")
    absolute = posixpath.normpath(target.lstrip("/"))
    for name in (absolute, relative) if target.startswith("/") else (relative, absolute):
        if name in zf.NameToInfo:
            return name
    return None


@dataclass
class _SheetEntry:
    name: str
    index: int
    member: str | None
    worksheet: bool
    hidden: bool


@dataclass
class _Package:
    """What xl/workbook.xml and its relationships say: sheets, strings, styles, epoch."""

    sheets: list[_SheetEntry]
    shared_strings: str | None
    styles: str | None
    date1904: bool


def _read_package(zf: zipfile.ZipFile) -> _Package:
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels: dict[str, tuple[str, str]] = {}  # id → (type's last segment, member)
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in zf.NameToInfo:
        for rel in ElementTree.fromstring(zf.read(rels_name)).iter(f"{_NS_PKG_REL}Relationship"):
            kind = rel.get("Type", "").rpartition("/")[2]
            rels[rel.get("Id", "")] = (kind, _member(zf, rel.get("Target", "")) or "")
    by_kind = {kind: member for kind, member in rels.values() if member}
    sheets, date1904 = [], False
    for element in workbook.iter():
        tag = _local(element.tag)
        if tag == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            kind, member = rels.get(_attr(element, "id"), ("", ""))
            sheets.append(
                _SheetEntry(
                    name=element.get("name", ""),
                    index=len(sheets),
                    member=member or None,
                    worksheet=kind in ("worksheet", ""),
                    hidden=element.get("state", "visible") != "visible",
                )
            )
    return _Package(
        sheets=sheets,
        shared_strings=by_kind.get("sharedStrings")
        or ("xl/sharedStrings.xml" if "xl/sharedStrings.xml" in zf.NameToInfo else None),
        styles=by_kind.get("styles"),
        date1904=date1904,
    )


def _read_shared_strings(zf: zipfile.ZipFile, member: str | None) -> list[str]:
    """Every ``<si>`` as its text: plain or rich-text runs, phonetic guides (rPh) left out."""
    if member is None:
        return []
    strings: list[str] = []
    with zf.open(member) as stream:
        for _event, element in ElementTree.iterparse(stream):
            if _local(element.tag) != "si":
                continue
            parts = []
            for child in element:
                tag = _local(child.tag)
                if tag == "t":
                    parts.append(child.text or "")
                elif tag == "r":
                    parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
            text = "".join(parts)
            strings.append(_OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text))
            element.clear()
    return strings


def _format_kind(code: str) -> str | None:
    """'date', 'time', 'datetime', 'duration' or None for a number format code."""
    section = _FORMAT_LITERALS.sub("", code.split(";")[0])
    if _FORMAT_DURATION.search(section):
        return "duration"
    section = _FORMAT_BRACKETS.sub("", section).lower().replace("am/pm", "").replace("a/p", "")
    if section == "general":
        return None
    has_time = "h" in section or "s" in section
    has_date = "y" in section or "d" in section or ("m" in section and not has_time)
    if has_date:
        return "datetime" if has_time else "date"
    return "time" if has_time else None


def _read_date_styles(zf: zipfile.ZipFile, member: str | None) -> dict[bytes, str]:
    """Cell style index (as written in ``s="…"``) → date kind, for the styles that show dates."""
    if member is None:
        return {}
    root = ElementTree.fromstring(zf.read(member))
    custom: dict[int, str | None] = {}
    kinds: dict[bytes, str] = {}
    for element in root:
        if _local(element.tag) == "numFmts":
            for fmt in element:
                custom[int(fmt.get("numFmtId", "-1"))] = _format_kind(fmt.get("formatCode", ""))
        elif _local(element.tag) == "cellXfs":
            for position, xf in enumerate(element):
                number_format = int(xf.get("numFmtId", "0"))
                kind = custom.get(number_format, _BUILTIN_DATE_KINDS.get(number_format))
                if kind:
                    kinds[str(position).encode()] = kind
    return kinds


def _serial_value(serial: float, kind: str, date1904: bool) -> Any:
    """An Excel date serial under a date format as a date, time, datetime or timedelta.

    Date formats give a date when the serial has no time of day and a datetime when it
    has one; times are rounded to the millisecond, as Excel shows them.
    """
    ms = round(serial * _DAY_MS)
    if kind == "duration":
        return datetime.timedelta(milliseconds=ms)
    if kind == "time" and 0 <= serial < 1:
        return (datetime.datetime.min + datetime.timedelta(milliseconds=ms)).time()
    if not date1904 and serial < 61:
        ms += _DAY_MS  # Excel's day 60 is the 29th of February 1900, which never was
    try:
        moment = (_EPOCH_1904 if date1904 else _EPOCH_1900) + datetime.timedelta(milliseconds=ms)
    except OverflowError:
        return _number(serial)
    if serial < 0 or moment.year < 1900:
        return _number(serial)
    if kind == "date" and ms % _DAY_MS == 0:
        return moment.date()
    return moment


def _iso_value(text: str) -> Any:
    """A ``t="d"`` cell (ISO 8601, as some writers store dates)."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text or None
    if moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None)
    return moment.date() if len(text) == 10 else moment


@dataclass(frozen=True)
class _Tags:
    """The byte patterns for one namespace prefix ('' or e.g. 'x:')."""

    tokens: re.Pattern[bytes]
    value: re.Pattern[bytes]
    text: re.Pattern[bytes]
    phonetic: re.Pattern[bytes]
    v_open: bytes
    v_close: bytes
    end: bytes


@functools.cache
def _tags(prefix: bytes) -> _Tags:
    p = re.escape(prefix)
    tokens = (
        # a row start, or a cell: its usual leading attributes r, s, t (in that order, as
        # every known writer puts them), any others, then its value as <v>, as a plain
        # inline string, or any other content (formulas, rich text) for the slow path
        rb"<" + p + rb'(row)\b(?:\s+r="([0-9]+)")?([^>]*)>'
        rb"|<" + p + rb'c(?=[\s/>])(?:\s+r="([A-Z]{1,3})[0-9]*")?(?:\s+s="([0-9]+)")?'
        rb'(?:\s+t="(\w+)")?([^>]*?)(?:/>|>(?:<' + p + rb"v>([^<]*)</" + p + rb"v>"
        rb"|<" + p + rb"is><" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + rb"t></" + p + rb"is>"
        rb"|(.*?))</" + p + rb"c>)"
    )
    return _Tags(
        tokens=re.compile(tokens, re.DOTALL),
        value=re.compile(rb"<" + p + rb"v>([^<]*)</" + p + rb"v>"),
        text=re.compile(rb"<" + p + rb"t\b[^>]*>([^<]*)</" + p + rb"t>"),
        phonetic=re.compile(rb"<" + p + rb"rPh\b.*?</" + p + rb"rPh>", re.DOTALL),
        v_open=b"<" + prefix + b"v>",
        v_close=b"</" + prefix + b"v>",
        end=b"</" + prefix + b"worksheet>",
    )


def _blank_rows(yielded: int, row_number: int) -> Iterator[tuple[int, list]]:
    for blank in range(yielded + 1, row_number):
        yield blank, []


def _row_number(attrs: bytes, previous: int) -> int:
    for name, value in _ATTR.findall(attrs):
        if name == b"r" and value.isdigit():
            return int(value)
    return previous + 1


def _other_attrs(more: bytes, letters: bytes, style: bytes, typ: bytes, row_number: int):
    """The r, s and t of a cell whose attributes come in another order or with others."""
    for name, value in _ATTR.findall(more):
        if name == b"r":
            ref = _CELL_REF.fullmatch(value)
            if ref:
                letters = ref[1]
                row_number = int(ref[2]) if ref[2] else row_number
        elif name == b"s":
            style = value
        elif name == b"t":
            typ = value
    return letters, style, typ, row_number


class _SheetReader:
    """Stream one worksheet's XML: one row of values at a time, nothing else kept."""

    def __init__(self, book: _XlsxWorkbook, entry: _SheetEntry) -> None:
        self.book = book
        self.entry = entry

    def rows(self, first: bytes, chunks: Iterator[bytes]) -> Iterator[tuple[int, list]]:
        root = _ROOT.search(first)
        tags = _tags((root[1] if root else None) or b"")
        date_styles = self.book.date_styles
        max_rows = self.book.max_rows
        columns = _COLUMNS
        row_number = yielded = col = 0
        values: list = []
        last = b""
        for chunk in itertools.chain((first,), chunks):
            last = chunk
            for (
                is_row,
                row_ref,
                row_attrs,
                letters,
                style,
                typ,
                more,
                raw,
                inline,
                body,
            ) in tags.tokens.findall(chunk):
                if is_row:
                    if values:
                        _check_rows(self.entry.name, row_number, max_rows)
                        yield from _blank_rows(yielded, row_number)
                        yield row_number, _trim(values)
                        yielded, values = row_number, []
                    row_number = int(row_ref) if row_ref else _row_number(row_attrs, row_number)
                    col = 0
                    continue
                if more and more.strip(b" \t\r\n/"):
                    letters, style, typ, row_number = _other_attrs(
                        more, letters, style, typ, row_number
                    )
                col = (columns.get(letters) or _column_number(letters)) if letters else col + 1
                # the hot path inline: numbers, inline and shared strings
                if raw:
                    if not typ:
                        kind = date_styles.get(style) if style else None
                        if kind is None:
                            value = float(raw)  # ValueError: reported below as corrupt
                            if value.is_integer() and -MAX_SAFE_INT < value < MAX_SAFE_INT:
                                value = int(value)
                        else:
                            value = self._date(raw, kind)
                    elif typ == b"s":
                        value = self._shared(raw)
                    else:
                        value = self._typed(typ, style, raw)
                elif inline:
                    value = _xml_text(inline)
                elif body:
                    value = self._other(typ, style, body, tags)
                else:
                    continue
                if value is None or value == "":
                    continue
                width = len(values)
                if col > width:
                    if col > width + 1:
                        values.extend([None] * (col - width - 1))
                    values.append(value)
                else:
                    values[col - 1] = value
        if values:
            _check_rows(self.entry.name, row_number, max_rows)
            yield from _blank_rows(yielded, row_number)
            yield row_number, _trim(values)
        if not last.rstrip().endswith(tags.end):
            raise UnreadableFile("corrupt", f"sheet {self.entry.name!r}: its XML is cut short")

    def _number(self, raw: bytes) -> int | float:
        try:
            return _number(float(raw))
        except ValueError as exc:
            raise self._corrupt(f"number {raw[:20]!r}") from exc

    def _date(self, raw: bytes, kind: str) -> Any:
        number = self._number(raw)
        if not math.isfinite(number):
            return number
        return _serial_value(number, kind, self.book.package.date1904)

    def _shared(self, raw: bytes) -> str:
        try:
            return self.book.shared_strings[int(raw)]
        except (ValueError, IndexError) as exc:
            raise self._corrupt(f"shared string {raw[:20]!r}") from exc

    def _typed(self, typ: bytes, style: bytes, raw: bytes) -> Any:
        """The cached value ``raw`` of a cell of type `typ`."""
        if not typ or typ == b"n":
            kind = self.book.date_styles.get(style) if style else None
            return self._number(raw) if kind is None else self._date(raw, kind)
        if typ == b"s":
            return self._shared(raw)
        if typ in (b"str", b"inlineStr"):
            return _xml_text(raw)
        if typ == b"b":
            return raw.strip() in (b"1", b"true")
        if typ == b"e":
            return CellError(_xml_text(raw).strip())
        if typ == b"d":
            return _iso_value(_xml_text(raw).strip())
        raise self._corrupt(f"cell type {typ[:20]!r}")

    def _other(self, typ: bytes, style: bytes, body: bytes, tags: _Tags) -> Any:
        """A cell with a formula, rich text or a phonetic guide around its value."""
        if typ == b"inlineStr":
            if b"rPh" in body:
                body = tags.phonetic.sub(b"", body)
            return _xml_text(b"".join(tags.text.findall(body)))
        found = tags.value.search(body)
        if found is None or not found[1]:
            return None  # a formula without a cached result
        return self._typed(typ, style, found[1])

    def _corrupt(self, what: str) -> UnreadableFile:
        return UnreadableFile("corrupt", f"sheet {self.entry.name!r}: bad {what}")


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

    def __init__(self, path: str, max_uncompressed: int, max_rows: int | None) -> None:
        super().__init__()
        self.max_rows = max_rows
        self._zip = _open_zip(path, max_uncompressed)
        self._shared_strings: list[str] | None = None
        try:
            self.package = _read_package(self._zip)
            sheet_members = {entry.member for entry in self.package.sheets if entry.member}
            _verify_members(self._zip, skip=sheet_members)
            self.date_styles = _read_date_styles(self._zip, self.package.styles)
        except (*_ZIP_ERRORS, ElementTree.ParseError) as exc:
            self._zip.close()
            raise UnreadableFile("corrupt", f"xlsx: {exc!r}") from exc
        except BaseException:
            self._zip.close()
            raise

    @property
    def shared_strings(self) -> list[str]:
        if self._shared_strings is None:
            try:
                self._shared_strings = _read_shared_strings(self._zip, self.package.shared_strings)
            except (*_ZIP_ERRORS, ElementTree.ParseError) as exc:
                raise UnreadableFile("corrupt", f"shared strings: {exc!r}") from exc
        return self._shared_strings

    def sheets(self) -> Iterator[Sheet]:
        for entry in self.package.sheets:
            if not entry.worksheet:
                continue
            if entry.member is None:
                raise UnreadableFile("corrupt", f"sheet {entry.name!r}: its XML part is missing")
            stream = self._open(entry)
            chunks = _sheet_chunks(stream)
            first = self._guarded(lambda chunks=chunks: next(chunks, b""), entry)
            found = _DIMENSION.search(first)
            height = int(found[1]) if found and found[1] else None
            reader = _SheetReader(self, entry)
            rows = self._track(self._rows(entry, stream, reader.rows(first, chunks)))
            yield Sheet(entry.name, entry.index, rows, height=height, hidden=entry.hidden)

    def _open(self, entry: _SheetEntry) -> zipfile.ZipExtFile:
        return self._guarded(lambda: self._zip.open(entry.member), entry)

    @staticmethod
    def _guarded(action: Callable[[], Any], entry: _SheetEntry) -> Any:
        try:
            return action()
        except _ZIP_ERRORS as exc:
            raise UnreadableFile("corrupt", f"sheet {entry.name!r}: {exc!r}") from exc

    @staticmethod
    def _rows(
        entry: _SheetEntry, stream: zipfile.ZipExtFile, rows: Iterator[tuple[int, list]]
    ) -> Generator[tuple[int, list], None, None]:
        """The reader's rows, with damage found while decompressing reported as corrupt."""
        try:
            yield from rows
        except _ZIP_ERRORS as exc:
            raise UnreadableFile("corrupt", f"sheet {entry.name!r}: {exc!r}") from exc
        finally:
            stream.close()

    def _release(self) -> None:
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
