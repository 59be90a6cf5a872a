"""One worksheet part, streamed through expat: one row of values at a time.

The parser's handlers place each cell's value in the current row; a row with a value is
handed over when its end tag is parsed, after every piece of the part fed to expat
(64 KB at a time). Held: the current row and the rows finished in the current piece.

Rules, besides XML's own (comments and processing instructions are no cells, CDATA is
text, entities are decoded, names are namespace URIs): a row without ``r`` follows the
previous one, a cell without ``r`` the previous cell; references may be lower-case; row
numbers must increase and stay within Excel's 1,048,576 rows and columns within its
16,384 (XFD), else the sheet is refused at once; a cell inside a cell is refused.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.parsers import expat

from . import limits
from .common import MAX_SAFE_INT, CellError, UnreadableFile, check_rows, over_limit, trim
from .values import iso_value, serial_value, unescape
from .xmlparts import MAIN_NAMESPACES, READ_BYTES, SEP, SheetEntry, new_parser

_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_COLUMNS: dict[str, int] = {}  # column letters as written → number (valid ones only)


def _column(letters: str) -> int:
    """The number of a column from its letters (any case); 0 when they are no letters."""
    number = _COLUMNS.get(letters)
    if number is not None:
        return number
    if not (letters.isascii() and letters.isalpha()):
        return 0
    if len(letters) > 3:
        return limits.MAX_COLUMN + 1
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    if number <= limits.MAX_COLUMN:
        _COLUMNS[letters] = number
    return number


def _dimension_height(ref: str) -> int | None:
    """The last row a ``<dimension ref="A1:T100">`` declares; None for no or an impossible one."""
    digits = ref.rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    if not digits.isdigit() or len(digits) > 7 or int(digits) > limits.MAX_ROW:
        return None
    return int(digits)


class SheetReader:
    """Parse one worksheet; :meth:`start` reads up to its cells, :meth:`rows` the rest."""

    def __init__(
        self,
        entry: SheetEntry,
        stream: IO[bytes],
        shared_strings: Callable[[], list[str]],
        date_styles: dict[str, str],
        date1904: bool,
        max_rows: int | None,
    ) -> None:
        self.entry = entry
        self.stream = stream
        self.max_rows = max_rows
        self.height: int | None = None
        self.done: list[tuple[int, list]] = []  # rows finished in the last piece parsed
        self.in_data = False
        self.ended = False
        self._shared_strings = shared_strings
        self._date_styles = date_styles
        self._date1904 = date1904
        self.parser = new_parser()
        self._finish: Callable[[], None] = lambda: None
        self.parser.StartElementHandler = self._root

    # --- feeding ---------------------------------------------------------------------

    def start(self) -> None:
        """Parse until the cells begin (``<sheetData>``): `height` is known then."""
        while not self.in_data and not self.ended:
            self._feed()

    def rows(self) -> Iterator[tuple[int, list]]:
        """Every row up to the last with a value, blank rows between them included."""
        yielded = 0
        max_rows, name = self.max_rows, self.entry.name
        try:
            while True:
                for number, values in self.done:
                    check_rows(name, number, max_rows)
                    while yielded + 1 < number:
                        yielded += 1
                        yield yielded, []
                    yield number, values
                    yielded = number
                self.done.clear()
                if self.ended:
                    return
                self._feed()
        finally:
            self.stream.close()

    def _feed(self) -> None:
        chunk = self.stream.read(READ_BYTES)
        try:
            self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as exc:
            raise self._corrupt(f"XML: {exc}") from exc
        if not chunk:
            self._finish()
            self.ended = True

    def _corrupt(self, why: str) -> UnreadableFile:
        return UnreadableFile("corrupt", f"sheet {self.entry.name!r} ({self.entry.member}): {why}")

    # --- parsing ---------------------------------------------------------------------

    def _root(self, name: str, attrs: dict) -> None:
        """The root element: its namespace names every element the handlers look for."""
        namespace = name.rpartition(SEP)[0]
        if namespace not in MAIN_NAMESPACES:
            raise self._corrupt(f"the root element is {name[:200]!r}, not SpreadsheetML")
        self._install(namespace + SEP)

    def _install(self, ns: str) -> None:
        """Set the handlers that turn `ns`'s rows and cells into values (the hot path).

        Only the end tag of a ``<v>`` or ``<t>`` is reported (the handler is set while
        one is read): a cell's value is placed there, and a row is handed over when the
        next row starts or the part ends.
        """
        C, V, T, IS, ROW = ns + "c", ns + "v", ns + "t", ns + "is", ns + "row"
        RPH, SHEET_DATA, DIMENSION = ns + "rPh", ns + "sheetData", ns + "dimension"
        reader, parser, done, columns = self, self.parser, self.done, _COLUMNS
        date_styles, date1904 = self._date_styles, self._date1904
        max_row, max_column, max_chars = limits.MAX_ROW, limits.MAX_COLUMN, limits.MAX_TEXT_CHARS
        corrupt, entry, part = self._corrupt, self.entry, self.entry.member or ""
        strings: list[str] | None = None

        OUTSIDE, IN_ROW, IN_CELL = 0, 1, 2
        state = OUTSIDE
        row_number = col = 0
        implicit_row = False  # the current row has no r: its first cell reference says
        in_phonetic = collecting = False  # collecting: inside the <v> or <t> being read
        values: list = []
        typ = style = None
        inline: str | None = None  # the <t> texts of the cell's <is> so far
        text: str | None = None  # of the <v> or <t> being read

        def where() -> str:
            return f"row {row_number}, cell {col}"

        def start(name: str, attrs: dict) -> None:
            nonlocal state, col, implicit_row, in_phonetic, collecting, text, values, typ, style
            nonlocal inline
            if name == C:
                if state == OUTSIDE:
                    raise corrupt(f"{where()}: a cell outside a row")
                ref = attrs.get("r")
                if ref is None:
                    col += 1
                    if col > max_column:
                        raise column_limit(where())
                else:
                    col = columns.get(ref.rstrip(_DIGITS)) or cell_column(ref)
                    if implicit_row:
                        implicit_row = False
                        adopt_row(ref.lstrip(_LETTERS))
                typ = attrs.get("t")
                style = attrs.get("s")
                inline = None
                in_phonetic = False
                state = IN_CELL
            elif name == T:
                if state == IN_CELL and not in_phonetic:
                    collecting, text = True, None
                    parser.EndElementHandler = end_text
            elif name == IS:
                return
            elif name == V:
                if state == IN_CELL and not in_phonetic:
                    collecting, text = True, None
                    parser.EndElementHandler = end_value
            elif name == ROW:
                if state != OUTSIDE:
                    end_row()
                elif not reader.in_data:
                    raise corrupt("a row outside sheetData")
                ref = attrs.get("r")
                implicit_row = ref is None
                set_row(row_number + 1 if ref is None else row_ref(ref))
                state, col, values = IN_ROW, 0, []
            elif name == RPH:
                in_phonetic = True
            elif name == SHEET_DATA:
                reader.in_data = True
            elif name == DIMENSION:
                reader.height = _dimension_height(attrs.get("ref", ""))

        def cell_column(ref: str) -> int:
            number = _column(ref.rstrip(_DIGITS))
            if not number:
                raise corrupt(f"{where()}: cell reference {ref[:20]!r}")
            if number > max_column:
                raise column_limit(repr(ref[:20]))
            return number

        def column_limit(what: str) -> UnreadableFile:
            return over_limit(part, f"columns in sheet {entry.name!r} at {what}", max_column)

        def row_ref(ref: str) -> int:
            ref = ref.strip()
            if not ref.isdigit():
                raise corrupt(f"after row {row_number}: row number {ref[:20]!r}")
            if len(ref) > 7:
                raise too_many(ref)
            return int(ref)

        def too_many(ref: str) -> UnreadableFile:
            shown = ref if len(ref) <= 24 else f"{ref[:24]}… ({len(ref)} digits)"
            return UnreadableFile(
                "too_many_rows",
                f"sheet {entry.name!r} ({part}): row {shown} is past Excel's last row {max_row:,}",
                max_rows=max_row,
                rows=int(ref) if len(ref) <= 24 else 10**24,  # at least
            )

        def set_row(number: int) -> None:
            nonlocal row_number
            if number > max_row:
                raise too_many(str(number))
            if number <= row_number:
                raise corrupt(f"row {number} after row {row_number}: rows must increase")
            row_number = number

        def adopt_row(digits: str) -> None:
            nonlocal row_number
            if digits:
                number = row_ref(digits)
                if number != row_number:
                    row_number -= 1  # the implicit number was the previous one plus one
                    set_row(number)

        def end_value(name: str) -> None:
            """``</v>``: the cell's cached value, converted by its type and style."""
            nonlocal collecting
            parser.EndElementHandler = None
            collecting = False
            if name != V:
                raise corrupt(f"{where()}: an element inside a value")
            if not text:
                return
            if typ is None:
                try:
                    value = float(text)
                except ValueError:
                    raise corrupt(f"{where()}: number {text[:20]!r}") from None
                if style is not None and style in date_styles:
                    if math.isfinite(value):
                        value = serial_value(value, date_styles[style], date1904)
                elif value.is_integer() and -MAX_SAFE_INT < value < MAX_SAFE_INT:
                    value = int(value)
                # place(value), written out: most cells are plain numbers, and a call per
                # cell is a measurable share of the read
                width = len(values)
                if col > width:
                    if col > width + 1:
                        values.extend([None] * (col - width - 1))
                    values.append(value)
                else:
                    values[col - 1] = value
                return
            value = shared(text) if typ == "s" else typed(text)
            if value is not None and value != "":
                place(value)

        def end_text(name: str) -> None:
            """``</t>`` of an inline string: its text so far (rich text has several)."""
            nonlocal inline, collecting
            parser.EndElementHandler = None
            collecting = False
            if name != T:
                raise corrupt(f"{where()}: an element inside a text")
            if inline is None:
                inline = text or ""
            else:
                inline += text or ""
                if len(inline) > max_chars:
                    raise over_limit(part, f"characters in one cell at {where()}", max_chars)
            if inline:
                value = inline if "_x" not in inline else unescape(inline)
                width = len(values)  # place(value), written out as in end_value
                if col > width:
                    if col > width + 1:
                        values.extend([None] * (col - width - 1))
                    values.append(value)
                else:
                    values[col - 1] = value

        def place(value: Any) -> None:
            width = len(values)
            if col > width:
                if col > width + 1:
                    values.extend([None] * (col - width - 1))
                values.append(value)
            else:
                values[col - 1] = value

        def end_row() -> None:
            nonlocal state
            state = OUTSIDE
            if values:
                done.append((row_number, trim(values)))

        def finish() -> None:
            """At the end of the part: the last row."""
            if state != OUTSIDE:
                end_row()

        def data(piece: str) -> None:
            nonlocal text
            if not collecting:
                return
            if text is None:
                text = piece
            elif len(text) + len(piece) > max_chars:
                raise over_limit(part, f"characters in one cell at {where()}", max_chars)
            else:
                text += piece

        def shared(raw: str) -> str:
            nonlocal strings
            if strings is None:
                strings = reader._shared_strings()
            try:
                index = int(raw)
                if index < 0:
                    raise IndexError(index)
                return strings[index]
            except (ValueError, IndexError):
                raise corrupt(f"{where()}: shared string {raw[:20]!r}") from None

        def typed(raw: str) -> Any:
            """The cached value `raw` of a cell of type `typ` (not a plain number)."""
            if typ == "n":
                try:
                    value = float(raw)
                except ValueError:
                    raise corrupt(f"{where()}: number {raw[:20]!r}") from None
                kind = date_styles.get(style) if style is not None else None
                if kind is not None and math.isfinite(value):
                    return serial_value(value, kind, date1904)
                if value.is_integer() and -MAX_SAFE_INT < value < MAX_SAFE_INT:
                    return int(value)
                return value
            if typ == "str" or typ == "inlineStr":
                return unescape(raw)
            if typ == "b":
                return raw.strip() in ("1", "true")
            if typ == "e":
                return CellError(unescape(raw).strip())
            if typ == "d":
                return iso_value(unescape(raw))
            raise corrupt(f"{where()}: cell type {str(typ)[:20]!r}")

        parser.StartElementHandler = start
        parser.CharacterDataHandler = data
        self._finish = finish


def open_sheet(zf: zipfile.ZipFile, entry: SheetEntry, **options: Any) -> SheetReader:
    """A reader of `entry`'s part, parsed up to its cells."""
    reader = SheetReader(entry, zf.open(entry.member or ""), **options)
    try:
        reader.start()
    except BaseException:
        reader.stream.close()
        raise
    return reader
