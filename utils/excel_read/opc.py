"""The zip package of an xlsx as Open Packaging Conventions see it: parts by name.

OPC part names are case-insensitive and use ``/``; some writers store ``xl\\workbook.xml``
or ``xl/SharedStrings.xml`` all the same, and Excel reads them. A part is found here by
its normalised name (``/`` separators, no leading ``/``, lower case); the zip member
keeps the name it has in the archive. Relationship targets are resolved from the folder
of the part whose ``.rels`` names them (ECMA-376 part 2, 9.3), an absolute target from
the package root.
"""

from __future__ import annotations

import posixpath
import zipfile
from urllib.parse import unquote

PACKAGE_RELS = "_rels/.rels"
DEFAULT_WORKBOOK = "xl/workbook.xml"


def part_key(name: str) -> str:
    """A part name as compared: ``/`` separators, no leading ``/``, lower case."""
    return name.replace("\\", "/").lstrip("/").lower()


class Package:
    """The members of `zf` by part name; each lookup gives the member's name in the zip."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self._members: dict[str, str] = {}
        for info in zf.infolist():
            if not info.is_dir() and not info.filename.endswith("\\"):
                self._members.setdefault(part_key(info.filename), info.filename)

    def find(self, name: str) -> str | None:
        """The zip member holding part `name` (any case, either separator), or None."""
        return self._members.get(part_key(name))

    def resolve(self, source: str, target: str) -> str | None:
        """The member a relationship of part `source` (a zip member or '' for the
        package) targets; a relative target that misses is tried from the root too
        (some writers mean it so)."""
        target = unquote(target).replace("\\", "/")
        if target.startswith("/"):
            return self.find(posixpath.normpath(target))
        base = posixpath.dirname(source.replace("\\", "/"))
        relative = posixpath.normpath(posixpath.join(base, target))
        if relative.startswith("../"):
            return self.find(target)
        return self.find(relative) or self.find(posixpath.normpath(target))

    @staticmethod
    def rels_of(source: str) -> str:
        """The relationships part of `source`: ``dir/_rels/name.rels``."""
        folder, _, name = source.replace("\\", "/").rpartition("/")
        return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
