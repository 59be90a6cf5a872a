"""The format of a file from its first bytes, never from its name."""

from __future__ import annotations

import codecs

from .common import UnreadableFile

HEAD_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The BOF record that starts a bare BIFF2, BIFF3 or BIFF4 file (Excel 2.x to 4.0 saved
# no OLE2 container): record type, then a length of 4 to 16 bytes.
_BIFF_BOF_TYPES = (b"\x09\x00", b"\x09\x02", b"\x09\x04")

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


def detect_format(head: bytes) -> str:
    """Return ``'xlsx'``, ``'xls'`` or ``'csv'`` from the first bytes of a file.

    A zip is called xlsx, an OLE2 compound file or a bare BIFF2-4 stream xls
    (``open_workbook`` looks inside); text without NUL bytes that decodes as UTF-8 or
    GB18030 is csv. Raises ``UnreadableFile('empty')`` for no bytes and
    ``'unsupported_type'`` for anything else, including HTML or XML saved with an .xls
    name.
    """
    if not head:
        raise UnreadableFile("empty", "the file has no bytes")
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC) or is_bare_biff(head):
        return "xls"
    if head.startswith(_OTHER_BINARY_MAGIC):
        raise UnreadableFile("unsupported_type", f"binary file starting {head[:8]!r}")
    if b"\x00" in head or _head_encoding(head) is None:
        raise UnreadableFile("unsupported_type", "neither a workbook nor UTF-8/GB18030 text")
    if _is_markup(head):
        raise UnreadableFile("unsupported_type", "HTML or XML text, not csv")
    return "csv"


def is_bare_biff(head: bytes) -> bool:
    """True for a BIFF2, BIFF3 or BIFF4 worksheet without an OLE2 container."""
    return head[:2] in _BIFF_BOF_TYPES and 4 <= int.from_bytes(head[2:4], "little") <= 16


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
