"""The natural keys met so far in one file, each with the row it was first met on.

An import remembers every key of the file to find duplicates across chunks. Kept as
tuples of strings, 100,000 order lines cost about 35 MB; kept as 12-byte digests, about
a third of that. Two different keys share a digest with a chance of about 1 in 10**17
for a million keys, and the result would be one row wrongly refused as a duplicate,
visibly, never data written wrongly.
"""

from collections.abc import Hashable
from hashlib import blake2b

DIGEST_BYTES = 12


def _digest(key: Hashable) -> bytes:
    return blake2b(repr(key).encode(), digest_size=DIGEST_BYTES).digest()


class SeenKeys:
    def __init__(self) -> None:
        self._first_rows: dict[bytes, int] = {}

    def first_row(self, key: Hashable, row_number: int) -> int:
        """The row `key` was first met on, remembering `row_number` if it is new."""
        return self._first_rows.setdefault(_digest(key), row_number)

    def add(self, key: Hashable, row_number: int = 0) -> None:
        self._first_rows.setdefault(_digest(key), row_number)

    def __contains__(self, key: Hashable) -> bool:
        return _digest(key) in self._first_rows
