"""csv, streamed with the csv module: UTF-8 (with or without BOM) or GB18030."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator

from .common import Sheet, UnreadableFile, Workbook, check_rows, trim

CSV_DELIMITERS = ",;\t|"
_SNIFF_CHARS = 16 * 1024


class CsvWorkbook(Workbook):
    format = "csv"

    def __init__(self, path: str, head: bytes, max_rows: int | None) -> None:
        super().__init__()
        self._path = path
        self.encoding, self.delimiter, self._height = _csv_layout(path, head)
        check_rows("csv", self._height, max_rows)

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet("csv", 0, self._track(self._rows()), height=self._height)

    def _rows(self) -> Iterator[tuple[int, list]]:
        with open(self._path, encoding=self.encoding, newline="") as file:
            reader = csv.reader(file, delimiter=self.delimiter or ",")
            try:
                for number, record in enumerate(reader, 1):
                    yield number, trim([value or None for value in record])
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
