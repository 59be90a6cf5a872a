"""Byte edits of real xls files (written by xlwt) into the shapes found in the wild:
a stream name in capitals, a string table that declares too many strings, two
directory entries claiming one sector. Used by tests/utils/test_xls_read.py and
tests/data/bad/generate.py."""

import struct
from pathlib import Path


def _directory(data: bytes) -> int:
    """Offset of the compound file's directory (its first sector), 512-byte sectors."""
    sector = 1 << struct.unpack_from("<H", data, 30)[0]
    return 512 + struct.unpack_from("<i", data, 48)[0] * sector


def rename_stream(path: Path, new: str) -> Path:
    """Rename the Workbook stream in the compound file's directory (entry 1)."""
    data = bytearray(path.read_bytes())
    entry = _directory(data) + 128
    assert bytes(data[entry : entry + 16]).decode("utf-16-le") == "Workbook"
    encoded = (new + "\0").encode("utf-16-le")
    data[entry : entry + 64] = encoded.ljust(64, b"\0")
    struct.pack_into("<H", data, entry + 64, len(encoded))
    path.write_bytes(bytes(data))
    return path


def overlap_root_with_workbook(path: Path) -> Path:
    """Point the root entry's mini stream at the Workbook stream's first sector: two
    directory entries claim one sector, which xlrd calls corruption."""
    data = bytearray(path.read_bytes())
    root = _directory(data)
    workbook_start = struct.unpack_from("<i", data, root + 128 + 116)[0]
    struct.pack_into("<iI", data, root + 116, workbook_start, 64)
    path.write_bytes(bytes(data))
    return path


def overcount_strings(path: Path, more: int = 5) -> Path:
    """Make the SST record declare `more` strings than it holds, as some exporters do."""
    data = bytearray(path.read_bytes())
    at = data.index(b"\xfc\x00")  # the SST record: type 0x00FC, length, total, unique
    total, unique = struct.unpack_from("<II", data, at + 4)
    struct.pack_into("<II", data, at + 4, total + more, unique + more)
    path.write_bytes(bytes(data))
    return path
