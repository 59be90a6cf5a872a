"""The text encoding of a csv: declared by a BOM, given by the user, or detected.

Detection looks at a sample of the file (its lines that hold bytes above ASCII):

1. UTF-8 when the sample decodes as UTF-8 (the caller checks the whole file).
2. GB18030 (a superset of GBK and GB2312) for Chinese text: the sample decodes as
   GB18030 and at least 80% of its non-ASCII characters are the common ones (GB2312's
   punctuation rows and level-1 hanzi, which cover about 99% of Chinese text). Text in
   a single-byte code page read as GB18030 gives rare characters, or fails to decode.
3. Otherwise charset-normalizer, among the code pages of :data:`ENCODINGS`: the
   candidates whose decoded text it finds least messy; a tie goes to the more common
   code page (the order of :data:`ENCODINGS`).

A guess is *confident* when nothing else would have read the sample differently: UTF-8,
a BOM, GB18030 for text that is no EUC-KR, or one candidate (or tied candidates that
decode the sample to the same text). Otherwise the job tells the user which encoding
it used, so that a wrong guess can be corrected by importing again with ``encoding``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

# The encodings a user may choose (Python codec name -> label), most common first.
ENCODINGS = {
    "utf-8": "UTF-8",
    "gb18030": "GB18030 / GBK (简体中文)",
    "big5": "Big5 (繁體中文)",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252 (Western European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1250": "Windows-1250 (Central European)",
    "shift_jis": "Shift_JIS (日本語)",
    "euc_kr": "EUC-KR (한국어)",
    "euc_jp": "EUC-JP (日本語)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1257": "Windows-1257 (Baltic)",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp874": "Windows-874 (Thai)",
    "cp1258": "Windows-1258 (Vietnamese)",
    "koi8_r": "KOI8-R (Cyrillic)",
    "latin_1": "ISO-8859-1 (Latin-1)",
}
# Other names a user may give (after Python's own aliases): the supersets we read them as.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "utf_8": "utf-8", "utf-8-sig": "utf-8"}
_DETECTED = [name for name in ENCODINGS if name not in ("utf-8", "gb18030", "utf-16", "utf-32")]
_BOMS = (  # UTF-32-LE's BOM starts with UTF-16-LE's: test it first
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_COMMON_HANZI_SHARE = 0.8
_CHAOS_TIE = 0.01


@dataclass(frozen=True)
class Guess:
    encoding: str
    confident: bool


def bom_encoding(head: bytes) -> str | None:
    """The codec that reads a file starting with a Unicode BOM (and drops the BOM)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def chosen_encoding(name: str) -> str:
    """The codec for an encoding the user named; ValueError for an unknown name.

    ``utf-8`` reads a file with or without BOM; GBK and GB2312 are read as GB18030.
    """
    try:
        canonical = codecs.lookup(name.strip()).name
    except (LookupError, ValueError):
        canonical = ""
    canonical = _SUPERSETS.get(canonical, canonical)
    found = next((known for known in ENCODINGS if codecs.lookup(known).name == canonical), None)
    if found is None:
        raise ValueError(f"unknown encoding {name!r}")
    return "utf-8-sig" if found == "utf-8" else found


def decodes(data: bytes, encoding: str) -> bool:
    """True when `data` decodes, allowing a multibyte character cut at its end."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def guess_encoding(sample: bytes) -> Guess | None:
    """The encoding of a sample of text lines (see the module docstring); None when no
    candidate reads it as text."""
    if decodes(sample, "utf-8"):
        return Guess("utf-8", True)
    if _is_common_chinese(sample):
        return Guess("gb18030", not decodes(sample, "euc_kr"))
    return _normalizer_guess(sample)


def _is_common_chinese(sample: bytes) -> bool:
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    wide = [char for char in text if not char.isascii()]
    common = sum(1 for char in wide if _is_common_gb2312(char))
    return bool(wide) and common >= _COMMON_HANZI_SHARE * len(wide)


def _is_common_gb2312(char: str) -> bool:
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return 0xA1 <= lead <= 0xA9 or 0xB0 <= lead <= 0xD7  # punctuation rows, level-1 hanzi


def _normalizer_guess(sample: bytes) -> Guess | None:
    matches = charset_normalizer.from_bytes(sample, cp_isolation=_DETECTED)
    if not matches:
        return None
    least = min(match.chaos for match in matches)
    tied = [match for match in matches if match.chaos <= least + _CHAOS_TIE]
    tied.sort(key=lambda match: _DETECTED.index(match.encoding))
    texts = {str(match) for match in tied}
    return Guess(tied[0].encoding, len(texts) == 1)
