"""Read uploaded spreadsheets (xlsx, xls, csv) as numbered rows of plain Python values.

Framework-free. The format comes from the file's content, never from its name. Every
failure to read a file as a spreadsheet is an :class:`UnreadableFile` with a stable
``code``; other exceptions (a missing path, a bug) propagate unchanged.

Value rules (one cell → one value):

- ``None``: an empty cell, an empty string, a style-only cell, a formula without a
  cached result. Trailing empty cells of a row are dropped; formulas are never evaluated.
- ``str``: text as stored, not stripped (``xml:space="preserve"`` results keep their
  spaces); xlsx's ``_xHHHH_`` escapes decoded, UTF-16 surrogate pairs joined into one
  character and a lone surrogate replaced by U+FFFD.
- ``int`` for an integral number below 2**53 in size, ``float`` for any other number;
  ``bool`` for boolean cells; :class:`CellError` for error cells (``#N/A``...).
- A number under a date or time format (the cell's number format, from xlsx styles or
  xls XF records, classified by the same code): ``datetime.date`` when a date-only
  format shows a whole day, ``datetime.datetime`` (naive) otherwise, ``datetime.time``
  for a serial in [0, 1) (under any date or time format, in xlsx as in xls),
  ``datetime.timedelta`` for an elapsed-time format (``[h]:mm``). Serials count from
  1899-12-30 (Excel's nonexistent 1900-02-29 skipped) or from 1904-01-01 when the
  workbook says so; one that is no date (negative, or past 9999-12-31) stays a number.
- xls files that only python-calamine can parse follow calamine's conversions in two
  places: a date-time format at midnight gives a ``date``, an error cell is empty.
- xlsx ``t="d"`` cells (ISO 8601): a date (``2026-11-24``), a naive datetime (offset
  dropped) or a time of day (``12:30:00``); text that is no ISO value stays text.
- csv: every field is text, decoded as its BOM declares (UTF-8, UTF-16, UTF-32), as
  the caller chose (`encoding`) or as :mod:`utils.excel_read.text_encoding` detects;
  bytes the encoding cannot decode are ``bad_encoding`` (with the line), never
  replaced.

Limits are the reader's (:mod:`utils.excel_read.limits`): Excel's 1,048,576 rows and
16,384 columns per sheet, and counts of shared strings, styles and elements per part.

Memory, per format (every reader streams; what is held besides the current row):

- xlsx: every XML part is parsed by expat (the standard library's XML parser) as a
  stream, 64 KB at a time; no tree is built. Held: the shared strings table (the
  distinct texts of the workbook, as the format requires), the date styles and the
  rows finished in the last 64 KB. The declared zip sizes are checked before any
  decompression and every part's real size and CRC while it is read.
- xls is read by xlrd, which loads one sheet at a time (at most 65,536 x 256 cells),
  each row only as long as its last cell; rows are converted lazily. A file xlrd
  cannot parse goes to python-calamine, whose dense sheet range is bounded before it
  reads (:mod:`utils.excel_read.xls_calamine`).
- csv is streamed with the csv module; nothing but the current row is held (the
  encoding detector reads a 64 KB sample).
"""

from __future__ import annotations

import os

from .common import CellError, Sheet, UnreadableFile, Workbook
from .csvfile import CSV_DELIMITERS, CsvWorkbook
from .detect import HEAD_BYTES, OLE2_MAGIC, detect_format
from .text_encoding import ENCODINGS, chosen_encoding
from .xls import open_xls
from .xlsx import XlsxWorkbook

__all__ = [
    "CSV_DELIMITERS",
    "ENCODINGS",
    "HEAD_BYTES",
    "CellError",
    "Sheet",
    "UnreadableFile",
    "Workbook",
    "chosen_encoding",
    "detect_format",
    "open_workbook",
]


def open_workbook(
    path: str | os.PathLike,
    *,
    max_uncompressed_bytes: int = 1_000_000_000,
    max_rows: int | None = None,
    encoding: str | None = None,
) -> Workbook:
    """Open a spreadsheet whose format is detected from its content.

    Checks made here: type, emptiness, encryption, zip size (the sum of the declared
    uncompressed sizes, then the real sizes while streaming), csv encoding and csv row
    count. ``too_many_rows`` (a row number above `max_rows`): xls and csv before their
    rows are read, xlsx when the reader reaches such a row. `encoding` (a name
    :func:`chosen_encoding` knows) reads a csv in that encoding instead of detecting it;
    workbooks ignore it.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
    fmt = detect_format(head)
    if fmt == "xlsx":
        return XlsxWorkbook(path, max_uncompressed_bytes, max_rows)
    if fmt == "xls":
        return open_xls(path, max_rows, ole=head.startswith(OLE2_MAGIC))
    return CsvWorkbook(path, head, max_rows, encoding)
