"""csv, streamed with the csv module, in the encoding its BOM declares, the user chose or
:mod:`utils.excel_read.text_encoding` detects.

The limits of a sheet hold for a csv too: at most Excel's 1,048,576 records and 16,384
fields per record, and no physical line longer than ``limits.MAX_CSV_LINE_CHARS``
(checked before the csv module splits it, so that one huge line costs at most that).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator

from . import limits
from .common import Sheet, UnreadableFile, Workbook, check_rows, over_limit, trim
from .text_encoding import ENCODINGS, bom_encoding, chosen_encoding, guess_encoding

CSV_DELIMITERS = ",;\t|"
_SNIFF_CHARS = 16 * 1024
_SCAN_BYTES = 64 * 1024
# Bytes no multibyte character of an ASCII-compatible encoding holds: a cut there is clean.
_CLEAN_CUT = re.compile(rb"[\n\r\t ,;\"]")


class CsvWorkbook(Workbook):
    format = "csv"

    def __init__(
        self, path: str, head: bytes, max_rows: int | None, encoding: str | None = None
    ) -> None:
        super().__init__()
        self._path = path
        self.encoding, self.encoding_guessed = _encoding(path, head, encoding)
        self.delimiter = _sniff_delimiter(head.decode(self.encoding, "replace"))
        self._height = _count_records(path, self.encoding, self.delimiter)
        check_rows("csv", self._height, limits.MAX_ROW if max_rows is None else max_rows)

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet("csv", 0, self._track(self._rows()), height=self._height)

    def _rows(self) -> Iterator[tuple[int, list]]:
        with open(self._path, encoding=self.encoding, newline="") as file:
            reader = csv.reader(_lines(file), delimiter=self.delimiter or ",")
            try:
                for number, record in enumerate(reader, 1):
                    yield number, trim([value or None for value in record])
            except csv.Error as exc:
                raise UnreadableFile("corrupt", f"csv: {exc}") from exc


def _lines(file) -> Iterator[str]:
    """The physical lines of `file`, refusing one longer than MAX_CSV_LINE_CHARS."""
    most = limits.MAX_CSV_LINE_CHARS
    number = 0
    while line := file.readline(most + 1):
        number += 1
        if len(line) > most:
            raise over_limit("csv", f"characters in line {number}", most)
        yield line


def _checked_width(records: Iterator[list[str]]) -> Iterator[list[str]]:
    """`records`, refusing one of more fields than Excel has columns."""
    most = limits.MAX_COLUMN
    for number, record in enumerate(records, 1):
        if len(record) > most:
            raise over_limit("csv", f"columns in record {number}", most)
        yield record


def _encoding(path: str, head: bytes, chosen: str | None) -> tuple[str, bool]:
    """(codec, whether it was guessed without confidence): the user's choice, the BOM's,
    UTF-8 when the whole file is UTF-8, else what the detector finds in a sample."""
    if chosen:
        return chosen_encoding(chosen), False
    declared = bom_encoding(head)
    if declared:
        return declared, False
    whole_utf8, sample = _scan(path)
    if whole_utf8:
        return "utf-8", False
    guess = guess_encoding(sample)
    if guess is None:
        raise UnreadableFile("bad_encoding", "no known encoding reads the text")
    return guess.encoding, not guess.confident


def _scan(path: str) -> tuple[bool, bytes]:
    """(whether the whole file decodes as UTF-8, a sample for the detector).

    The sample is the lines holding bytes above ASCII of the first 64 KB block that
    has some, or of the block where UTF-8 first fails; what the detector weighs is
    that text, not the ASCII around it.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    sample = b""
    offset = 0
    with open(path, "rb") as file:
        while block := file.read(_SCAN_BYTES):
            at_end = len(block) < _SCAN_BYTES
            try:
                utf8.decode(block, final=at_end)
            except UnicodeDecodeError:
                return False, _non_ascii_lines(block, offset == 0, at_end)
            if not sample and not block.isascii():
                sample = _non_ascii_lines(block, offset == 0, at_end)
            offset += len(block)
    try:
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, sample
    return True, sample


def _non_ascii_lines(block: bytes, at_start: bool, at_end: bool) -> bytes:
    """The lines of `block` holding bytes above ASCII, the block first cut after its
    first and before its last clean cut (a file's own start and end excepted), so that
    no multibyte character is cut."""
    cuts = [match.end() for match in _CLEAN_CUT.finditer(block)]
    if cuts:
        begin = 0 if at_start else cuts[0]
        end = len(block) if at_end else cuts[-1]
        block = block[begin:end] if begin < end else block
    return b"".join(line for line in block.splitlines(keepends=True) if not line.isascii())


def _count_records(path: str, encoding: str, delimiter: str) -> int:
    with open(path, encoding=encoding, newline="") as file:
        try:
            return sum(1 for _ in _checked_width(csv.reader(_lines(file), delimiter=delimiter)))
        except csv.Error as exc:
            raise UnreadableFile("corrupt", f"csv: {exc}") from exc
        except UnicodeDecodeError as exc:
            line = _undecodable_line(path, encoding)
            label = ENCODINGS.get(encoding.removesuffix("-sig"), encoding)
            raise UnreadableFile(
                "bad_encoding", f"not {encoding} at line {line}", encoding=label, line=line
            ) from exc


def _undecodable_line(path: str, encoding: str) -> int:
    """The number of the first line holding bytes `encoding` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    with open(path, "rb") as file:
        while piece := file.readline(_SCAN_BYTES):
            try:
                lines += decoder.decode(piece).count("\n")
            except UnicodeDecodeError:
                return lines + 1
    return lines + 1


def _sniff_delimiter(text: str) -> str:
    """The delimiter among ``, ; \\t |`` that csv.Sniffer finds in the first lines, else ','."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","
