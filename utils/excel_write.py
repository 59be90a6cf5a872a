"""Write one table of rows to xlsx, xls or csv, streaming row by row.

Framework-free. :class:`SheetWriter` writes a styled header row (bold, grey, bordered,
宋体, frozen), then each row given to :meth:`SheetWriter.write_row`. Values are written by
type: ``None`` → empty cell, ``str`` → text (escaped against formula injection, never
turned into a formula or a number), ``int``/``float``/``Decimal`` → number, ``bool`` →
TRUE/FALSE, ``datetime``/``date`` → real date cells. Anything else is written as its
``str()``. Cells longer than Excel's 32,767 characters are cut there (xls/xlsx).

Writers accept naive datetimes: convert aware ones to the user's zone first. An aware
datetime is written as its own wall time (its tzinfo is dropped, not converted).

Integers or decimals of 10**15 or more in size are written as text in xls/xlsx: Excel
keeps 15 significant digits and would change an order number such as
202611240000123456.

Memory: xlsx is streamed into the zip a block of rows at a time (utils/xlsx_stream.py,
about twice as fast as XlsxWriter's constant-memory mode); xls by
xlwt, which keeps the shared strings and the workbook structure in memory until
:meth:`SheetWriter.close` saves it (rows are flushed to a temporary file every
1,000 rows); csv is written line by line.
"""

from __future__ import annotations

import csv
import datetime
import math
import os
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any

import xlwt

from utils.excel_config import set_excel_style
from utils.xlsx_stream import Style, XlsxStream, column_letters, serial, xml_text

# What makes a spreadsheet read a cell as a formula: the ASCII signs, their full-width
# forms (some locales' spreadsheets take "＝1+1" as a formula too), tab and carriage return.
FORMULA_SIGNS = "=+-@＝＋－＠"
FORMULA_TRIGGERS = (*FORMULA_SIGNS, "\t", "\r")
# In csv, a sign right after a separator someone might open the file with (LibreOffice
# splits on ";" by default in some locales), or after a line break, starts a cell too.
_AFTER_SEPARATOR = r"""([,;|\t\r\n][\s"]*)"""
_BEFORE_SIGN = rf"(?=[{re.escape(FORMULA_SIGNS)}])"
CSV_INNER_FORMULA = re.compile(_AFTER_SEPARATOR + _BEFORE_SIGN)
CSV_INNER_ESCAPE = re.compile(_AFTER_SEPARATOR + "'" + _BEFORE_SIGN)  # what is put there
FORMATS = ("xlsx", "xls", "csv")
KINDS = ("text", "int", "decimal", "date", "datetime")
XLS_MAX_DATA_ROWS = 65535
XLSX_MAX_DATA_ROWS = 1_048_575
MAX_CELL_CHARS = 32767
MAX_EXACT_NUMBER = 10**15
MAX_SHEET_TITLE = 31
XLS_FLUSH_EVERY = 1000

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DECIMAL_FORMAT = "0.00"
TEXT_FORMAT = "@"
_BLANK_FORMATS = {"text": TEXT_FORMAT, "decimal": DECIMAL_FORMAT, "date": DATE_FORMAT}
_BLANK_FORMATS["datetime"] = DATETIME_FORMAT
_INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")
SAMPLE_ROWS = 200  # the first rows, whose values size the columns
MIN_WIDTH, MAX_WIDTH = 8, 50
# the least a column of a kind needs: its format's width (money up to 9,999,999.99)
_KIND_WIDTHS = {"date": len(DATE_FORMAT), "datetime": len(DATETIME_FORMAT), "decimal": 10}


def escape_formula(value: Any) -> Any:
    """A str starting with = + - @ tab or CR gets a leading "'" (OWASP CSV injection).

    Any other value, numbers included, is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def escape_csv_formula(text: str) -> str:
    """:func:`escape_formula`, and a "'" before a formula sign that follows a separator
    (, ; | tab) or a line break: "a;=1+1" becomes "a;'=1+1", so that a spreadsheet that
    splits the line on ";" gets the text "'=1+1", not a formula."""
    return CSV_INNER_FORMULA.sub(r"\1'", escape_formula(text))


@dataclass
class ColumnFormat:
    """One column: its header, the `kind` of its values, its width in characters."""

    header: str
    kind: str = "text"  # 'text' | 'int' | 'decimal' | 'date' | 'datetime'
    width: int | None = None

    def __post_init__(self) -> None:
        # Headers copied from an uploaded sheet may be numbers or None.
        self.header = "" if self.header is None else str(self.header)


def display_width(text: str) -> int:
    """Width of `text` in characters of a monospaced font: CJK and full-width count two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def shown_width(value: Any) -> int:
    """The characters `value` takes in its cell, written as this module writes it."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5  # FALSE
    if isinstance(value, datetime.datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return len(DATE_FORMAT)
    if isinstance(value, Decimal | float):
        return len(format(value, ".2f")) if math.isfinite(value) else len(str(value))
    text = value if isinstance(value, str) else str(value)
    return display_width(text.partition("\n")[0][:MAX_WIDTH])


def column_widths(columns: Sequence[ColumnFormat], sample: Sequence[Sequence]) -> list[int]:
    """Each column's width: its `width`, else what its header and the sampled rows show.

    Plus 2 characters of margin, between MIN_WIDTH and MAX_WIDTH; a date or number
    column is never narrower than its format needs for rows beyond the sample, so that
    no cell shows ``###``.
    """
    widths = []
    for col, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        content = max([_KIND_WIDTHS.get(column.kind, 0)] + [shown_width(r[col]) for r in sample])
        widest = max(display_width(column.header), content) + 2
        widths.append(min(max(widest, MIN_WIDTH), MAX_WIDTH))
    return widths


def sheet_title(name: str, number: int = 1) -> str:
    """A valid sheet name: no ``[]:*?/\\``, at most 31 characters, " (n)" from the 2nd."""
    base = _INVALID_TITLE.sub("_", name).strip("'") or "Sheet"
    suffix = "" if number == 1 else f" ({number})"
    return base[: MAX_SHEET_TITLE - len(suffix)] + suffix


# --- values -------------------------------------------------------------------------

BLANK, TEXT, NUMBER, BOOL, DATE, DATETIME = "blank", "text", "number", "bool", "date", "datetime"


def cell_value(value: Any) -> tuple[str, Any]:
    """(cell type, value to write) for xls/xlsx; text is escaped and cut to 32,767 chars."""
    if value is None:
        return BLANK, None
    if isinstance(value, bool):
        return BOOL, value
    if isinstance(value, int | Decimal | float):
        return _number_cell(value)
    if isinstance(value, datetime.datetime):
        return DATETIME, value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return DATE, value
    text = value if isinstance(value, str) else str(value)
    return TEXT, escape_formula(text)[:MAX_CELL_CHARS]


def _number_cell(value: int | Decimal | float) -> tuple[str, Any]:
    if isinstance(value, float):
        return (NUMBER, value) if math.isfinite(value) else (TEXT, str(value))
    if isinstance(value, Decimal):
        if value.is_finite() and abs(value) < MAX_EXACT_NUMBER:
            return NUMBER, float(value)
        return TEXT, format(value, "f")
    return (NUMBER, value) if abs(value) < MAX_EXACT_NUMBER else (TEXT, str(value))


def number_format(cell: str, kind: str) -> str:
    """The number format of a cell of type `cell` in a column of `kind`."""
    if cell == DATE or (cell == DATETIME and kind == "date"):
        return DATE_FORMAT
    if cell == DATETIME:
        return DATETIME_FORMAT
    if cell == NUMBER:
        return DECIMAL_FORMAT if kind == "decimal" else "General"
    if cell == TEXT:
        return TEXT_FORMAT
    if cell == BLANK:
        return _BLANK_FORMATS.get(kind, "General")
    return "General"


def alignment(cell: str, kind: str) -> str:
    """'left' for text, 'right' for numbers and dates, 'center' for booleans."""
    if cell == BLANK:
        return "left" if kind == "text" else "right"
    return {TEXT: "left", BOOL: "center"}.get(cell, "right")


def csv_text(value: Any) -> str:
    """A value as one csv field: dates ISO, decimals plain, text escaped, None ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return escape_csv_formula(value if isinstance(value, str) else str(value))


# --- backends -----------------------------------------------------------------------


class _Backend:
    """One file format: sheets with a header row, then data rows (1-based row index)."""

    def __init__(self, path: str, columns: list[ColumnFormat]) -> None:
        self.path = path
        self.columns = columns

    def add_sheet(self, title: str, widths: list[int]) -> None:
        raise NotImplementedError

    def write_row(self, rowx: int, values: Sequence, highlight: Collection[int]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _XlsxBackend(_Backend):
    """xlsx through :class:`utils.xlsx_stream.XlsxStream`: one string per row."""

    def __init__(self, path: str, columns: list[ColumnFormat]) -> None:
        super().__init__(path, columns)
        self.book = XlsxStream(path, font_name=XLSX_FONT, font_size=XLSX_FONT_SIZE)
        self.header = self.book.style(XLSX_HEADER_STYLE)
        self.letters = [column_letters(col) for col in range(len(columns))]
        self.styles: dict[tuple[str, str, bool], int] = {}  # (cell type, kind, marked)
        # the hot path: the style of a text cell of each column, unmarked
        self.text_styles = [self._style(TEXT, column.kind, False) for column in columns]

    def add_sheet(self, title: str, widths: list[int]) -> None:
        self.book.add_sheet(title, widths, autofilter=True)
        header = [
            (letters, self.header, "s", xml_text(escape_formula(column.header)))
            for letters, column in zip(self.letters, self.columns, strict=True)
        ]
        self.book.write_row(1, header)

    def _style(self, cell: str, kind: str, marked: bool) -> int:
        key = (cell, kind, marked)
        if key not in self.styles:
            style = Style(number_format=number_format(cell, kind), align=alignment(cell, kind))
            if marked:
                style = Style(style.number_format, style.align, fill="FFFF00", font_color="FF0000")
            self.styles[key] = self.book.style(style)
        return self.styles[key]

    def write_row(self, rowx: int, values: Sequence, highlight: Collection[int]) -> None:
        cells = []
        for col, value in enumerate(values):
            marked = bool(highlight) and col in highlight
            if value is None and not marked:
                continue
            if type(value) is str and not marked:
                text = escape_formula(value)[:MAX_CELL_CHARS]
                cells.append((self.letters[col], self.text_styles[col], "s", xml_text(text)))
                continue
            cell, value = cell_value(value)
            style = self._style(cell, self.columns[col].kind, marked)
            cells.append((self.letters[col], style, *_xlsx_cell(cell, value)))
        self.book.write_row(rowx + 1, cells)

    def close(self) -> None:
        self.book.close()


XLSX_FONT, XLSX_FONT_SIZE = "宋体", 9
# a header cell: bold, centred, on grey, bordered (the import templates' header too)
XLSX_HEADER_STYLE = Style(bold=True, fill="C0C0C0", align="center")


def _xlsx_cell(cell: str, value: Any) -> tuple[str, str]:
    """(kind, value text) of one typed cell for XlsxStream."""
    if cell == TEXT:
        return "s", xml_text(value)
    if cell == NUMBER:
        return "n", repr(value) if isinstance(value, float) else str(value)
    if cell == BOOL:
        return "b", "1" if value else "0"
    if cell in (DATE, DATETIME):
        return "n", serial(value)
    return "", ""


_XLS_HORZ = {
    "left": xlwt.Alignment.HORZ_LEFT,
    "right": xlwt.Alignment.HORZ_RIGHT,
    "center": xlwt.Alignment.HORZ_CENTER,
}
XLS_HIGHLIGHT_FILL = "yellow"
XLS_HIGHLIGHT_FONT = xlwt.Style.colour_map["red"]


def xls_style(cell: str, kind: str, marked: bool = False) -> xlwt.XFStyle:
    """The cached body-cell style (white, or yellow with a red font when `marked`)."""
    return set_excel_style(
        color=XLS_HIGHLIGHT_FILL if marked else "white",
        colour_index=XLS_HIGHLIGHT_FONT if marked else 0,
        horz=_XLS_HORZ[alignment(cell, kind)],
        num_format_str=number_format(cell, kind),
    )


class _XlsBackend(_Backend):
    def __init__(self, path: str, columns: list[ColumnFormat]) -> None:
        super().__init__(path, columns)
        self.book = xlwt.Workbook(encoding="utf-8")
        self.sheet: Any = None
        self.styles: dict[tuple[str, str, bool], xlwt.XFStyle] = {}

    def add_sheet(self, title: str, widths: list[int]) -> None:
        self.sheet = self.book.add_sheet(title)
        header = set_excel_style(color="gray25", bold=True)
        for col, column in enumerate(self.columns):
            self.sheet.col(col).width = min(256 * widths[col], 65535)
            self.sheet.write(0, col, escape_formula(column.header), header)
        self.sheet.set_panes_frozen(True)
        self.sheet.set_horz_split_pos(1)
        self.sheet.set_remove_splits(True)

    def write_row(self, rowx: int, values: Sequence, highlight: Collection[int]) -> None:
        row = self.sheet.row(rowx)
        for col, column in enumerate(self.columns):
            cell, value = cell_value(values[col])
            key = (cell, column.kind, col in highlight)
            style = self.styles.get(key) or self.styles.setdefault(key, xls_style(*key))
            row.write(col, value, style)
        if rowx % XLS_FLUSH_EVERY == 0:
            self.sheet.flush_row_data()

    def close(self) -> None:
        self.book.save(self.path)


class _CsvBackend(_Backend):
    def __init__(self, path: str, columns: list[ColumnFormat]) -> None:
        super().__init__(path, columns)
        self.file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.file)

    def add_sheet(self, title: str, widths: list[int]) -> None:
        self.writer.writerow([escape_csv_formula(column.header) for column in self.columns])

    def write_row(self, rowx: int, values: Sequence, highlight: Collection[int]) -> None:
        self.writer.writerow([csv_text(value) for value in values])

    def close(self) -> None:
        self.file.close()


_BACKENDS: dict[str, type[_Backend]] = {
    "xlsx": _XlsxBackend,
    "xls": _XlsBackend,
    "csv": _CsvBackend,
}


class SheetWriter:
    """Write a header row on opening, then :meth:`write_row` per row; :meth:`close` finishes.

    xls continues on a new sheet named "<sheet_name> (2)", "(3)"... with the header
    repeated after every `max_xls_rows` data rows (xlsx likewise after 1,048,575; csv
    never). csv has no styles: there the header is a plain row and `highlight` is ignored.

    The first SAMPLE_ROWS rows are held until the sheet starts: their values size the
    columns (:func:`column_widths`). An xlsx sheet has filter buttons on its header
    (xlwt cannot write an xls autofilter).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        fmt: str,
        sheet_name: str,
        columns: list[ColumnFormat],
        max_xls_rows: int = XLS_MAX_DATA_ROWS,
    ) -> None:
        _check_arguments(fmt, columns, max_xls_rows)
        self.columns = list(columns)
        self.sheet_name = sheet_name
        self._limit = {"xls": max_xls_rows, "xlsx": XLSX_MAX_DATA_ROWS}.get(fmt)
        self._backend = _BACKENDS[fmt](os.fspath(path), self.columns)
        self._sheets = 0
        self._sheet_rows = 0
        self._closed = False
        self._sample: list[tuple[list, frozenset]] | None = []  # None once the sheet began
        self._widths: list[int] = []

    def _begin(self) -> None:
        """Size the columns from the rows held, start the first sheet, write those rows."""
        held, self._sample = self._sample or [], None
        self._widths = column_widths(self.columns, [values for values, _marked in held])
        self._next_sheet()
        for values, marked in held:
            self._write(values, marked)

    def _next_sheet(self) -> None:
        self._sheets += 1
        self._sheet_rows = 0
        self._backend.add_sheet(sheet_title(self.sheet_name, self._sheets), self._widths)

    def write_row(self, values: Sequence, *, highlight: Collection[int] = ()) -> None:
        """Write one data row; `highlight` marks those column indexes (yellow, red font)."""
        if self._closed:
            raise ValueError("write_row() on a closed SheetWriter")
        if len(values) > len(self.columns):
            raise ValueError(f"{len(values)} values for {len(self.columns)} columns")
        padded = [*values, *[None] * (len(self.columns) - len(values))]
        if self._sample is None:
            self._write(padded, frozenset(highlight))
            return
        self._sample.append((padded, frozenset(highlight)))
        if len(self._sample) >= SAMPLE_ROWS:
            self._begin()

    def _write(self, values: list, highlight: frozenset) -> None:
        if self._limit is not None and self._sheet_rows >= self._limit:
            self._next_sheet()
        self._sheet_rows += 1
        self._backend.write_row(self._sheet_rows, values, highlight)

    def close(self) -> None:
        """Finish and save the file; idempotent."""
        if not self._closed:
            if self._sample is not None:
                self._begin()
            self._closed = True
            self._backend.close()

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _check_arguments(fmt: str, columns: Sequence[ColumnFormat], max_xls_rows: int) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if not columns:
        raise ValueError("at least one column is needed")
    unknown = [column.kind for column in columns if column.kind not in KINDS]
    if unknown:
        raise ValueError(f"unknown column kinds {unknown}; use {KINDS}")
    if not 1 <= max_xls_rows <= XLS_MAX_DATA_ROWS:
        raise ValueError(f"max_xls_rows must be 1..{XLS_MAX_DATA_ROWS}")
