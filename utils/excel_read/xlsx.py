"""xlsx: the zip package, its workbook, styles and shared strings, and its worksheets."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import Any

from .common import Sheet, UnreadableFile, Workbook
from .opc import DEFAULT_WORKBOOK, Package
from .xlsx_sheet import SheetReader, open_sheet
from .xmlparts import (
    SheetEntry,
    read_date_styles,
    read_relationships,
    read_shared_strings,
    read_workbook,
)

_VERIFY_BYTES = 1 << 20

# What zipfile and zlib raise on damaged archives (the path itself was opened already).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
)


def _verify_members(zf: zipfile.ZipFile, skip: set[str]) -> None:
    """Decompress every other member once: real sizes and CRCs must match the directory."""
    for info in zf.infolist():
        if info.is_dir() or info.filename in skip:
            continue
        with zf.open(info) as stream:
            while stream.read(_VERIFY_BYTES):
                pass


class XlsxWorkbook(Workbook):
    format = "xlsx"

    def __init__(self, path: str, max_uncompressed: int, max_rows: int | None) -> None:
        super().__init__()
        self.max_rows = max_rows
        self._zip = _open_zip(path, max_uncompressed)
        self._shared_strings: list[str] | None = None
        try:
            package = Package(self._zip)
            workbook = _workbook_part(package)
            rels = read_relationships(package, workbook)
            self.entries, self.date1904 = read_workbook(self._zip, workbook, rels)
            by_kind = {kind: member for kind, member in rels.values() if member}
            self._strings_part = by_kind.get("sharedStrings") or package.resolve(
                workbook, "sharedStrings.xml"
            )
            sheet_members = {entry.member for entry in self.entries if entry.member}
            _verify_members(self._zip, skip=sheet_members)
            self.date_styles = read_date_styles(self._zip, by_kind.get("styles"))
        except ZIP_ERRORS as exc:
            self._zip.close()
            raise UnreadableFile("corrupt", f"xlsx: {exc!r}") from exc
        except BaseException:
            self._zip.close()
            raise

    def shared_strings(self) -> list[str]:
        """The shared strings table, read when a cell first needs it."""
        if self._shared_strings is None:
            try:
                self._shared_strings = read_shared_strings(self._zip, self._strings_part)
            except ZIP_ERRORS as exc:
                raise UnreadableFile("corrupt", f"shared strings: {exc!r}") from exc
        return self._shared_strings

    def sheets(self) -> Iterator[Sheet]:
        for entry in self.entries:
            if not entry.worksheet:
                continue
            if entry.member is None:
                raise UnreadableFile("corrupt", f"sheet {entry.name!r}: its XML part is missing")
            reader = self._guarded(lambda entry=entry: self._open(entry), entry)
            rows = self._track(self._rows(entry, reader))
            yield Sheet(entry.name, entry.index, rows, height=reader.height)

    def _open(self, entry: SheetEntry) -> SheetReader:
        return open_sheet(
            self._zip,
            entry,
            shared_strings=self.shared_strings,
            date_styles=self.date_styles,
            date1904=self.date1904,
            max_rows=self.max_rows,
        )

    @staticmethod
    def _guarded(action: Callable[[], Any], entry: SheetEntry) -> Any:
        try:
            return action()
        except ZIP_ERRORS as exc:
            raise UnreadableFile("corrupt", f"sheet {entry.name!r}: {exc!r}") from exc

    @staticmethod
    def _rows(entry: SheetEntry, reader: SheetReader) -> Generator[tuple[int, list], None, None]:
        """The reader's rows, with damage found while decompressing reported as corrupt."""
        try:
            yield from reader.rows()
        except ZIP_ERRORS as exc:
            raise UnreadableFile("corrupt", f"sheet {entry.name!r}: {exc!r}") from exc

    def _release(self) -> None:
        self._zip.close()


def _open_zip(path: str, max_uncompressed: int) -> zipfile.ZipFile:
    """Open the zip and refuse it before any decompression when it claims too much."""
    try:
        zf = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
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
    return zf


def _workbook_part(package: Package) -> str:
    """The workbook's zip member: the package's officeDocument relationship says which
    (``_rels/.rels``), else ``xl/workbook.xml`` by convention."""
    rels = read_relationships(package, "")
    targets = [member for kind, member in rels.values() if kind == "officeDocument"]
    member = next((m for m in targets if m), None) or package.find(DEFAULT_WORKBOOK)
    if member is None:
        raise UnreadableFile("unsupported_type", "a zip without a workbook part")
    if member.lower().endswith(".bin"):
        raise UnreadableFile("unsupported_type", f"a binary workbook ({member}): xlsb")
    return member
