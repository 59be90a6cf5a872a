"""Cell values from their stored form: date serials, number formats, ISO dates, escapes."""

from __future__ import annotations

import datetime
import re
from typing import Any

from .common import number

# Number format ids Excel builds in that show dates and times (ECMA-376 18.8.30, with
# the ids the Chinese, Japanese and Korean versions add).
BUILTIN_DATE_KINDS = {
    **dict.fromkeys((14, 15, 16, 17, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58), "date"),
    **dict.fromkeys((18, 19, 20, 21, 32, 33, 34, 35, 45, 47, 55, 56), "time"),
    22: "datetime",
    46: "duration",
}
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.')
_FORMAT_DURATION = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
_FORMAT_BRACKETS = re.compile(r"\[[^\]]*\]")
_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)
_DAY_MS = 86_400_000
_MAX_DAYS = 999_999_999  # datetime.timedelta's limit
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def format_kind(code: str) -> str | None:
    """'date', 'time', 'datetime', 'duration' or None for a number format code."""
    section = _FORMAT_LITERALS.sub("", code.split(";")[0])
    if _FORMAT_DURATION.search(section):
        return "duration"
    section = _FORMAT_BRACKETS.sub("", section).lower().replace("am/pm", "").replace("a/p", "")
    if section == "general":
        return None
    has_time = "h" in section or "s" in section
    has_date = "y" in section or "d" in section or ("m" in section and not has_time)
    if has_date:
        return "datetime" if has_time else "date"
    return "time" if has_time else None


def serial_value(serial: int | float, kind: str, date1904: bool) -> Any:
    """An Excel date serial under a date format as a date, time, datetime or timedelta.

    Date formats give a date when the serial has no time of day and a datetime when it
    has one; a serial in [0, 1) is a time of day under any of them (Excel's day 0 is
    no date); times are rounded to the millisecond, as Excel shows them. A serial that
    is no date (negative, or past 9999-12-31) stays a number, and so does one past any
    duration Python holds (or NaN, or an infinity).
    """
    if not -_MAX_DAYS <= serial <= _MAX_DAYS:
        return number(serial)
    ms = round(serial * _DAY_MS)
    if kind == "duration":
        return datetime.timedelta(milliseconds=ms)
    if 0 <= serial < 1:  # no day, under any date or time format (as xls is read)
        return (datetime.datetime.min + datetime.timedelta(milliseconds=ms)).time()
    if not date1904 and serial < 61:
        ms += _DAY_MS  # Excel's day 60 is the 29th of February 1900, which never was
    try:
        moment = (_EPOCH_1904 if date1904 else _EPOCH_1900) + datetime.timedelta(milliseconds=ms)
    except OverflowError:
        return number(serial)
    if serial < 0 or moment.year < 1900:
        return number(serial)
    if kind == "date" and ms % _DAY_MS == 0:
        return moment.date()
    return moment


def iso_value(text: str) -> Any:
    """A ``t="d"`` cell (ISO 8601): a date, a datetime (offset dropped) or a time of day."""
    text = text.strip()
    try:
        if ":" in text and "-" not in text[:5]:
            return datetime.time.fromisoformat(text.removeprefix("T")).replace(tzinfo=None)
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text or None
    if moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None)
    return moment.date() if len(text) == 10 else moment


def unescape(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes decoded; UTF-16 surrogate pairs joined, lone ones U+FFFD."""
    if "_x" not in text:
        return text
    text = _OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    if _SURROGATE.search(text) is None:
        return text
    text = _SURROGATE_PAIR.sub(_join_pair, text)
    return _SURROGATE.sub("\ufffd", text)


def _join_pair(match: re.Match) -> str:
    high, low = map(ord, match[0])
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
