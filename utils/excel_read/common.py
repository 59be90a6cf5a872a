"""What every format's reader shares: the errors, the sheet and workbook shapes, numbers."""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

MAX_SAFE_INT = 2**53


class UnreadableFile(Exception):
    """The file cannot be read as a spreadsheet. `code` is stable, `detail` is English for logs.

    Codes: ``empty``, ``unsupported_type``, ``corrupt``, ``encrypted``,
    ``too_large_uncompressed`` (params ``limit``, ``size``), ``bad_encoding``,
    ``too_many_rows`` (params ``max_rows``, ``rows``: the row number met), ``over_limit``
    (params ``part``: the zip member, ``limit``: one of :mod:`utils.excel_read.limits`).
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
    as its ``<dimension>`` declares it, None when it declares more than Excel's last
    row or nothing): a progress hint, not a promise.
    """

    name: str
    index: int
    rows: Iterator[tuple[int, list]]
    height: int | None = None


class Workbook:
    """An open spreadsheet: iterate :meth:`sheets`, then :meth:`close` (or use ``with``).

    `encoding` and `delimiter` are set for csv only (the Python codec that reads it,
    such as ``'utf-8'``, ``'gb18030'`` or ``'cp1252'``; one of ``, ; \\t |``), None
    otherwise; `encoding_guessed` is True when the detector was not sure of the encoding.
    """

    format: str = ""
    encoding: str | None = None
    encoding_guessed: bool = False
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


def number(value: int | float) -> int | float:
    """An integral number below 2**53 in size as int, any other unchanged.

    Takes ints too (``int.is_integer`` exists only from Python 3.12).
    """
    if type(value) is int:
        return value
    if value.is_integer() and -MAX_SAFE_INT < value < MAX_SAFE_INT:
        return int(value)
    return value


def over_limit(part: str, what: str, limit: int) -> UnreadableFile:
    """A file past one of the reader's limits (:mod:`utils.excel_read.limits`)."""
    return UnreadableFile(
        "over_limit", f"{part}: more than {limit:,} {what}", part=part, limit=limit
    )


def check_rows(sheet: str, rows: int, max_rows: int | None) -> None:
    """Refuse a sheet whose last row number is above `max_rows`."""
    if max_rows is not None and rows > max_rows:
        raise UnreadableFile("too_many_rows", f"sheet {sheet!r}", max_rows=max_rows, rows=rows)


def trim(values: list) -> list:
    """Drop trailing None values in place and return the list."""
    while values and values[-1] is None:
        values.pop()
    return values
