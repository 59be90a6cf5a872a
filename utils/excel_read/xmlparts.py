"""The small parts of an xlsx package, parsed by expat as a stream: nothing is a tree.

Each parser here keeps only what the reader needs (relationships, sheet entries, the
date styles, the shared strings) and counts what it keeps against
:mod:`utils.excel_read.limits`. Names are compared by namespace URI, never by prefix;
a document type declaration (and with it every entity declaration) is refused.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from . import limits
from .common import UnreadableFile, over_limit
from .opc import PACKAGE_RELS, Package
from .values import BUILTIN_DATE_KINDS, format_kind, unescape

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict Open XML
)
REL_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SEP = "}"  # between a namespace URI and a local name, as expat reports names
READ_BYTES = 1 << 16


def main_names(local: str) -> frozenset[str]:
    """The expanded names of a SpreadsheetML element, Transitional and Strict."""
    return frozenset(f"{namespace}{SEP}{local}" for namespace in MAIN_NAMESPACES)


def _refuse_doctype(*_args: object) -> None:
    raise UnreadableFile("corrupt", "a document type declaration (refused: entities)")


def new_parser() -> expat.XMLParserType:
    """A namespace-aware expat parser that refuses any DOCTYPE (no XXE, no entity bombs)."""
    parser = expat.ParserCreate(namespace_separator=SEP)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.buffer_text = True
    parser.buffer_size = READ_BYTES
    return parser


def feed(parser: expat.XMLParserType, stream: IO[bytes], part: str) -> None:
    """Parse the whole stream, reporting malformed XML as a corrupt `part`."""
    try:
        while chunk := stream.read(READ_BYTES):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise UnreadableFile("corrupt", f"{part}: {exc}") from exc


def _counted(part: str, handler: Callable[[str, dict], None]) -> Callable[[str, dict], None]:
    """`handler` refusing the part once it has seen more than MAX_PART_ELEMENTS elements."""
    budget = limits.MAX_PART_ELEMENTS
    seen = 0

    def start(name: str, attrs: dict) -> None:
        nonlocal seen
        seen += 1
        if seen > budget:
            raise over_limit(part, "elements", budget)
        handler(name, attrs)

    return start


def read_part(zf: zipfile.ZipFile, part: str, start: Callable[[str, dict], None]) -> None:
    """Stream `part` through `start` (called for each element), counting its elements."""
    parser = new_parser()
    parser.StartElementHandler = _counted(part, start)
    with zf.open(part) as stream:
        feed(parser, stream, part)


def rel_attr(attrs: dict, name: str) -> str:
    """An attribute in any of the relationship namespaces (Transitional or Strict)."""
    for namespace in REL_NAMESPACES:
        value = attrs.get(f"{namespace}{SEP}{name}")
        if value is not None:
            return value
    return ""


def read_relationships(package: Package, source: str) -> dict[str, tuple[str, str]]:
    """The relationships of part `source` ('' for the package's own, ``_rels/.rels``):
    id → (the type's last segment, the zip member it targets or '')."""
    rels: dict[str, tuple[str, str]] = {}
    relationship = f"{PKG_REL}{SEP}Relationship"
    part = package.find(package.rels_of(source) if source else PACKAGE_RELS)
    if part is None:
        return rels

    def start(name: str, attrs: dict) -> None:
        if name != relationship:
            return
        if len(rels) >= limits.MAX_RELATIONSHIPS:
            raise over_limit(part, "relationships", limits.MAX_RELATIONSHIPS)
        kind = attrs.get("Type", "").rpartition("/")[2]
        external = attrs.get("TargetMode", "") == "External"
        target = "" if external else package.resolve(source, attrs.get("Target", "")) or ""
        rels[attrs.get("Id", "")] = (kind, target)

    read_part(package.zf, part, start)
    return rels


@dataclass
class SheetEntry:
    name: str
    index: int
    member: str | None
    worksheet: bool


def read_workbook(
    zf: zipfile.ZipFile, part: str, rels: dict[str, tuple[str, str]]
) -> tuple[list[SheetEntry], bool]:
    """The sheets the workbook lists, and whether it counts dates from 1904.

    Only the SpreadsheetML ``workbookPr`` counts: an ``x14:workbookPr`` or
    ``x15:workbookPr`` in ``extLst`` (Excel 2010 and later write one) is another element.
    A sheet is a worksheet when its ``r:id`` names a worksheet relationship (its part
    missing is damage, reported when the sheet is read); one with no relationship
    (``r:id=""``, an id the relationships lack) or of another kind (chartsheet, macro
    or dialog sheet) is listed as no worksheet, to be skipped.
    """
    sheet_names, pr_names = main_names("sheet"), main_names("workbookPr")
    root_names = main_names("workbook")
    sheets: list[SheetEntry] = []
    date1904 = False
    root_seen = False

    def start(name: str, attrs: dict) -> None:
        nonlocal date1904, root_seen
        if not root_seen:
            root_seen = True
            if name not in root_names:
                raise UnreadableFile(
                    "unsupported_type", f"{part}: the root element is {name[:200]!r}, no workbook"
                )
        if name in pr_names:
            date1904 = attrs.get("date1904", "").strip().lower() in ("1", "true")
        elif name in sheet_names:
            if len(sheets) >= limits.MAX_SHEETS:
                raise over_limit(part, "sheets", limits.MAX_SHEETS)
            kind, target = rels.get(rel_attr(attrs, "id"), ("", ""))
            sheets.append(
                SheetEntry(
                    name=attrs.get("name", ""),
                    index=len(sheets),
                    member=target or None,
                    worksheet=kind == "worksheet",
                )
            )

    read_part(zf, part, start)
    return sheets, date1904


def read_date_styles(zf: zipfile.ZipFile, part: str | None) -> dict[str, str]:
    """Cell style index (as written in ``s="…"``) → date kind, for the styles that show dates."""
    if part is None:
        return {}
    num_fmts, num_fmt = main_names("numFmts"), main_names("numFmt")
    cell_xfs, xf = main_names("cellXfs"), main_names("xf")
    custom: dict[int, str | None] = {}
    kinds: dict[str, str] = {}
    in_cell_xfs = in_num_fmts = False  # <numFmt> in <dxfs> are other formats
    styles = 0  # <xf> seen in <cellXfs>: the next one's index
    parser = new_parser()

    def start(name: str, attrs: dict) -> None:
        nonlocal in_cell_xfs, in_num_fmts, styles
        if name in xf:
            if not in_cell_xfs:
                return  # an <xf> of cellStyleXfs
            if styles >= limits.MAX_CELL_STYLES:
                raise over_limit(part, "cell styles", limits.MAX_CELL_STYLES)
            number_format = _int(attrs.get("numFmtId"), 0)
            kind = custom.get(number_format, BUILTIN_DATE_KINDS.get(number_format))
            if kind:
                kinds[str(styles)] = kind
            styles += 1
        elif name in cell_xfs:
            in_cell_xfs = True
        elif name in num_fmts:
            in_num_fmts = True
        elif name in num_fmt and in_num_fmts:
            if len(custom) >= limits.MAX_NUMBER_FORMATS:
                raise over_limit(part, "number formats", limits.MAX_NUMBER_FORMATS)
            custom[_int(attrs.get("numFmtId"), -1)] = format_kind(attrs.get("formatCode", ""))

    def end(name: str) -> None:
        nonlocal in_cell_xfs, in_num_fmts
        if name in cell_xfs:
            in_cell_xfs = False
        elif name in num_fmts:
            in_num_fmts = False

    parser.StartElementHandler = _counted(part, start)
    parser.EndElementHandler = end
    with zf.open(part) as stream:
        feed(parser, stream, part)
    return kinds


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def read_shared_strings(zf: zipfile.ZipFile, part: str | None) -> list[str]:
    """Every ``<si>`` as its text: plain or rich-text runs, phonetic guides (rPh) left out."""
    if part is None:
        return []
    si, t, rph = main_names("si"), main_names("t"), main_names("rPh")
    strings: list[str] = []
    parts: list[str] = []
    size = 0
    in_text = in_phonetic = False
    max_strings, max_chars = limits.MAX_SHARED_STRINGS, limits.MAX_TEXT_CHARS
    parser = new_parser()

    def start(name: str, attrs: dict) -> None:
        nonlocal in_text, in_phonetic, size
        if name in t:
            in_text = not in_phonetic
        elif name in si:
            if len(strings) >= max_strings:
                raise over_limit(part, "shared strings", max_strings)
            parts.clear()
            size = 0
        elif name in rph:
            in_phonetic = True

    def end(name: str) -> None:
        nonlocal in_text, in_phonetic
        if name in t:
            in_text = False
        elif name in si:
            strings.append(unescape("".join(parts)) if parts else "")
        elif name in rph:
            in_phonetic = False

    def data(text: str) -> None:
        nonlocal size
        if in_text:
            size += len(text)
            if size > max_chars:
                raise over_limit(part, "characters in one string", max_chars)
            parts.append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    with zf.open(part) as stream:
        feed(parser, stream, part)
    return strings
