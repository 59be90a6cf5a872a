"""The natural keys met so far in one file, each with the row it was first met on.

An import remembers every key of the file to find duplicates across chunks. Kept as
tuples of strings, 100,000 order lines cost about 35 MB; kept as 12-byte digests, about
a third of that. Two different keys share a digest with a chance of about 1 in 10**17
for a million keys, and the result would be one row wrongly refused as a duplicate,
visibly, never data written wrongly.

What a run remembers is part of its resume point: ``RunMemory`` hands each committed
chunk the keys it added (16 bytes a key), saved in the chunk's transaction, and a
resumed run starts from them, so it decides every later row as the first run would have.
"""

import struct
from collections.abc import Hashable, Iterable
from hashlib import blake2b

DIGEST_BYTES = 12
_ENTRY = struct.Struct(f">{DIGEST_BYTES}sI")  # digest, first row number


def _digest(key: Hashable) -> bytes:
    return blake2b(repr(key).encode(), digest_size=DIGEST_BYTES).digest()


class SeenKeys:
    def __init__(self) -> None:
        self._first_rows: dict[bytes, int] = {}
        self._unsaved: list[bytes] = []

    def first_row(self, key: Hashable, row_number: int) -> int:
        """The row `key` was first met on, remembering `row_number` if it is new."""
        digest = _digest(key)
        first = self._first_rows.get(digest)
        if first is None:
            self._first_rows[digest] = row_number
            self._unsaved.append(digest)
            return row_number
        return first

    def add(self, key: Hashable, row_number: int = 0) -> None:
        self.first_row(key, row_number)

    def __contains__(self, key: Hashable) -> bool:
        return _digest(key) in self._first_rows

    def take_unsaved(self) -> bytes:
        """The keys met since the last call, packed; they count as saved from now on."""
        first_rows = self._first_rows
        packed = b"".join(_ENTRY.pack(d, first_rows[d]) for d in self._unsaved)
        self._unsaved = []
        return packed

    def restore(self, packed: bytes) -> None:
        for digest, row_number in _ENTRY.iter_unpack(packed):
            self._first_rows.setdefault(digest, row_number)


class RunMemory:
    """Every set of keys one import run keeps across its chunks, by name."""

    def __init__(self) -> None:
        self._sets: dict[str, SeenKeys] = {}

    def __getitem__(self, name: str) -> SeenKeys:
        keys = self._sets.get(name)
        if keys is None:
            keys = self._sets[name] = SeenKeys()
        return keys

    def take_unsaved(self) -> dict[str, bytes]:
        """Per name, the keys added since the last call (names with none left out)."""
        unsaved = {name: keys.take_unsaved() for name, keys in self._sets.items()}
        return {name: packed for name, packed in unsaved.items() if packed}

    def restore(self, saved: Iterable[tuple[str, bytes]]) -> None:
        for name, packed in saved:
            self[name].restore(packed)
