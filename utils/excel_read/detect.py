"""The format of a file from its first bytes, never from its name."""

from __future__ import annotations

from .common import UnreadableFile
from .text_encoding import bom_encoding, guess_encoding

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
_MARKUP_STARTS = ("<!doctype", "<html", "<?xml", "<table", "<head", "<body", "<meta")


def detect_format(head: bytes) -> str:
    """Return ``'xlsx'``, ``'xls'`` or ``'csv'`` from the first bytes of a file.

    A zip is called xlsx, an OLE2 compound file or a bare BIFF2-4 stream xls
    (``open_workbook`` looks inside); text is csv: with a UTF-8, UTF-16 or UTF-32 BOM,
    or without NUL bytes in an encoding :func:`~.text_encoding.guess_encoding` finds.
    Raises ``UnreadableFile('empty')`` for no bytes and ``'unsupported_type'`` for
    anything else, including HTML or XML saved with an .xls name.
    """
    if not head:
        raise UnreadableFile("empty", "the file has no bytes")
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC) or is_bare_biff(head):
        return "xls"
    if head.startswith(_OTHER_BINARY_MAGIC):
        raise UnreadableFile("unsupported_type", f"binary file starting {head[:8]!r}")
    text = _head_text(head)
    if text is None:
        raise UnreadableFile("unsupported_type", "neither a workbook nor text")
    if text.lstrip()[:16].lower().startswith(_MARKUP_STARTS):
        raise UnreadableFile("unsupported_type", "HTML or XML text, not csv")
    return "csv"


def is_bare_biff(head: bytes) -> bool:
    """True for a BIFF2, BIFF3 or BIFF4 worksheet without an OLE2 container."""
    return head[:2] in _BIFF_BOF_TYPES and 4 <= int.from_bytes(head[2:4], "little") <= 16


def _head_text(head: bytes) -> str | None:
    """The head as text (its start is enough), None when it is no text."""
    encoding = bom_encoding(head)
    if encoding is None:
        if b"\x00" in head:
            return None
        guess = guess_encoding(head)
        if guess is None:
            return None
        encoding = guess.encoding
    return head[:256].decode(encoding, "ignore")
