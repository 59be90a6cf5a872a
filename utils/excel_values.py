"""Convert spreadsheet cell values, as people type them, into Python values.

Framework-free. Each ``to_*`` converter takes a value from :mod:`utils.excel_read`
(``None``, ``str``, ``int``, ``float``, ``bool``, dates, :class:`CellError`) and returns
the converted value, or ``None`` for an empty cell (``None``, ``''`` or only whitespace:
whether a value is required is the caller's business). A value that cannot be converted
raises :class:`ValueProblem`, and nothing else, whatever the input.

Common rules:

- Surrounding whitespace is stripped, including the full-width space U+3000, NBSP and
  zero-width characters.
- A leading apostrophe in front of a formula trigger (``'=``, ``'+``, ``'-``, ``'@``, and
  their full-width forms) is dropped, and so is one between a separator or line break and
  such a sign (``a;'=1``): they are the escapes :mod:`utils.excel_write` adds, so a file
  the application wrote can be corrected and uploaded again.
- Numbers and dates accept full-width digits and punctuation (NFKC normalisation).
- Floats are read at Excel's precision, 15 significant digits, so the binary noise of a
  stored 19.9 (19.900000000000002) disappears.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Context, Decimal
from typing import Any

from utils.excel_read import CellError
from utils.excel_write import CSV_INNER_ESCAPE, FORMULA_TRIGGERS

MAX_INT = 10**18
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
MAX_EXCEL_SERIAL = 2958465  # 9999-12-31
MAX_NUMBER_CHARS = 60

# Every character for which str.isspace() is true, then zero-width ones.
UNICODE_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_STRIP = UNICODE_SPACES + ZERO_WIDTH
_WIDE_CONTEXT = Context(prec=100)
_ALL_SPACE = re.compile(f"[{re.escape(_STRIP)}]+")
_HEADER_DROP = re.compile(r"[_\-()]")


class ValueProblem(ValueError):
    """A cell value that cannot be converted. `code` stable, `params` for the message.

    Codes: ``not_a_number``, ``not_an_integer``, ``not_a_date``, ``not_a_datetime``,
    ``not_a_boolean``, ``not_a_choice`` (``choices``), ``too_long`` (``max_length``,
    ``length``), ``negative``, ``too_many_decimals`` (``places``), ``error_cell``
    (``text``), ``out_of_range`` (``minimum`` or ``maximum``).
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code

    def __reduce__(self) -> tuple[Any, tuple]:
        return functools.partial(ValueProblem, self.code, **self.params), ()


# --- text ---------------------------------------------------------------------------


def _strip(text: str) -> str:
    text = text.strip(_STRIP)
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        text = text[1:].strip(_STRIP)
    if "'" in text:
        text = CSV_INNER_ESCAPE.sub(r"\1", text)
    return text


def _float_text(value: float) -> str:
    """A float as Excel shows it: integral ones without '.0', 15 significant digits."""
    if value.is_integer():
        return str(int(value))
    return format(value, ".15g")


def _as_text(value: Any) -> str:
    """Any cell value as the text a person would see in the cell."""
    if type(value) is str:  # the usual case first
        return value
    if isinstance(value, CellError):
        raise ValueProblem("error_cell", text=value.text)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value) if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def normalize_text(value: Any) -> str | None:
    """Free text with surrounding whitespace stripped; its characters are kept as typed.

    Non-strings become the text Excel shows (3.0 → '3', True → 'TRUE', a date →
    '2026-11-24'). None, '' and whitespace → None; an error cell → ValueProblem.
    """
    if value is None:
        return None
    return _strip(_as_text(value)) or None


def normalize_code(value: Any) -> str | None:
    """A code, phone number or SKU: NFKC (full-width → ASCII), stripped, no float '.0'.

    13800138000.0 → '13800138000', 1.5e10 → '15000000000', 42 → '42'.
    """
    text = normalize_text(value)
    if text is None or text.isascii():  # NFKC changes no ASCII text
        return text
    return _strip(unicodedata.normalize("NFKC", text)) or None


def normalize_header(value: Any) -> str:
    """A header reduced for matching: 'Order_No *', 'order no' and 'ＯＲＤＥＲ－ｎｏ' compare equal.

    NFKC, casefold, then every whitespace (full-width too), '_', '-', '(' and ')'
    removed, and leading or trailing '*' (a required marker) removed; what is inside
    parentheses stays, so 'weight (kg)' and '重量（KG）' give 'weightkg' and '重量kg'.
    None or an error cell gives ''.
    """
    if value is None or isinstance(value, CellError):
        return ""
    text = unicodedata.normalize("NFKC", _as_text(value)).casefold()
    text = _HEADER_DROP.sub("", _ALL_SPACE.sub("", text))
    return unicodedata.normalize("NFKC", text).strip("*")


def _check_length(text: str | None, max_length: int | None) -> str | None:
    if text is not None and max_length is not None and len(text) > max_length:
        raise ValueProblem("too_long", max_length=max_length, length=len(text))
    return text


def to_text(value: Any, *, max_length: int | None = None) -> str | None:
    """:func:`normalize_text`, refused when longer than `max_length` characters."""
    return _check_length(normalize_text(value), max_length)


def to_code(value: Any, *, max_length: int | None = None) -> str | None:
    """:func:`normalize_code`, refused when longer than `max_length` characters."""
    return _check_length(normalize_code(value), max_length)


# --- numbers ------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?P<sign>[+-]?)"
    r"(?P<digits>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?P<exponent>[eE][+-]?[0-9]{1,3})?"
)
_CURRENCY_PREFIX = re.compile(r"(?:¥|\$|rmb|cny)\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:元|rmb|cny)$", re.IGNORECASE)
_MINUS_SIGNS = str.maketrans({"−": "-", "—": "-", "–": "-"})


def _text_number(text: str, *, currency: bool) -> Decimal:
    """Parse '1,234.5', '-3', '1e3'; with `currency` also '¥1,234.50', 'RMB 5', '12.5元'."""
    text = _strip(unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS))
    if currency:
        text = _strip_currency(text)
    match = _NUMBER.fullmatch(text) if len(text) <= MAX_NUMBER_CHARS else None
    if match is None:
        raise ValueProblem("not_a_number")
    digits = match["digits"].replace(",", "")
    return Decimal(f"{match['sign']}{digits}{match['exponent'] or ''}")


def _strip_currency(text: str) -> str:
    """Drop one currency mark before the number (after its sign, if any) or after it."""
    sign = ""
    if text[:1] in ("+", "-"):
        sign, text = text[0], text[1:].lstrip()
    text = _CURRENCY_PREFIX.sub("", text, count=1) if _CURRENCY_PREFIX.match(text) else text
    return sign + _CURRENCY_SUFFIX.sub("", text, count=1)


def _float_decimal(value: float) -> Decimal:
    """Integral floats exactly, others at Excel's 15 significant digits."""
    if not math.isfinite(value):
        raise ValueProblem("not_a_number")
    if value.is_integer():
        return Decimal(int(value))
    return Decimal(format(value, ".15g"))


def _decimal(value: Any, *, currency: bool) -> Decimal | None:
    """Any cell value as a finite Decimal, None when empty."""
    if type(value) is float:  # the usual number cell
        return _float_decimal(value)
    if value is None:
        return None
    if isinstance(value, CellError):
        raise ValueProblem("error_cell", text=value.text)
    if isinstance(value, bool):
        raise ValueProblem("not_a_number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _float_decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueProblem("not_a_number")
        return value
    if not isinstance(value, str):
        raise ValueProblem("not_a_number")
    if not _strip(value):
        return None
    return _text_number(value, currency=currency)


def _check_minimum(number: Any, minimum: Any) -> None:
    if minimum is None or number >= minimum:
        return
    if number < 0 <= minimum:
        raise ValueProblem("negative")
    raise ValueProblem("out_of_range", minimum=minimum)


def to_int(value: Any, *, minimum: int | None = None) -> int | None:
    """A whole number: 3, 3.0, '3.0', '1,234', '１２', '1e3'; 3.5 → not_an_integer.

    Numbers at or beyond 10**18 in size → out_of_range.
    """
    number = _decimal(value, currency=False)
    if number is None:
        return None
    if abs(number) >= MAX_INT:
        raise ValueProblem("out_of_range", maximum=MAX_INT - 1)
    if number != number.to_integral_value():
        raise ValueProblem("not_an_integer")
    result = int(number)
    _check_minimum(result, minimum)
    return result


@functools.cache
def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def to_decimal(value: Any, *, places: int = 2, minimum: Decimal | None = None) -> Decimal | None:
    """A decimal with `places` decimals: '¥1,234.50', '￥12', '$3', 'RMB 5', '12.5元', 19.9.

    More significant decimals than `places` → too_many_decimals ('1.50' is fine for 1
    place); numbers at or beyond 10**18 in size → out_of_range.
    """
    number = _decimal(value, currency=True)
    if number is None:
        return None
    if abs(number) >= MAX_INT:
        raise ValueProblem("out_of_range", maximum=MAX_INT - 1)
    result = number.quantize(_step(places), context=_WIDE_CONTEXT)
    if result != number:
        raise ValueProblem("too_many_decimals", places=places)
    _check_minimum(result, minimum)
    return result


# --- booleans and choices -----------------------------------------------------------

_TRUE = frozenset({"是", "是的", "对", "真", "有", "启用", "有效", "开", "开启", "√", "✓", "✔"})
_TRUE |= frozenset({"y", "yes", "true", "t", "on", "1", "enabled", "enable"})
_FALSE = frozenset({"否", "不", "不是", "错", "假", "无", "停用", "禁用", "无效", "关", "关闭"})
_FALSE |= frozenset({"×", "✗", "✘", "n", "no", "false", "f", "off", "0", "disabled", "disable"})


def to_bool(value: Any) -> bool | None:
    """A yes/no: True/False, 1/0, 是/否, 是的/不是, 对/错, 启用/停用, 有效/无效, yes/no, y/n."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, CellError):
        raise ValueProblem("error_cell", text=value.text)
    if not isinstance(value, str):
        return _number_bool(value)
    text = normalize_code(value)
    if text is None:
        return None
    key = _ALL_SPACE.sub("", text).casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return _number_bool(key)


def _number_bool(value: Any) -> bool:
    """1 → True, 0 → False ('1.0' and 0.0 too); anything else → not_a_boolean."""
    try:
        number = _decimal(value, currency=False)
    except ValueProblem:
        number = None
    if number is None or number not in (0, 1):
        raise ValueProblem("not_a_boolean")
    return bool(number)


def choice_converter(choices: Sequence[tuple[str, Sequence[str]]]) -> Callable[[Any], str | None]:
    """A converter to the code of the choice whose code or a label matches, compared as
    headers are; the labels are normalized once, for a column converted row after row.

    `choices` is ``[(code, [label, ...]), ...]``; the first matching choice wins.
    Otherwise not_a_choice with ``choices`` = the first label (or code) of each.
    """
    index: dict[str, str] = {}
    for code, labels in choices:
        for label in (code, *labels):
            index.setdefault(normalize_header(label), code)
    accepted = [labels[0] if labels else code for code, labels in choices]

    known: dict[str, str] = {}  # cell text → code: a column repeats a few labels

    def convert(value: Any) -> str | None:
        if value is None:
            return None
        if type(value) is str and (code := known.get(value)) is not None:
            return code
        text = normalize_code(value)
        if text is None:
            return None
        code = index.get(normalize_header(text))
        if code is None:
            raise ValueProblem("not_a_choice", choices=accepted)
        if type(value) is str and len(known) < 1000:
            known[value] = code
        return code

    return convert


# --- dates --------------------------------------------------------------------------

_DATE = (
    r"(?P<year>\d{4})(?:(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"|年(?P<cmonth>\d{1,2})月(?P<cday>\d{1,2})日?"
    r"|(?P<cmonth8>\d{2})(?P<cday8>\d{2}))"
)
_TIME = (
    r"(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"|(?P<chour>\d{1,2})[时點点](?P<cminute>\d{1,2})分(?:(?P<csecond>\d{1,2})秒)?)"
)
_OFFSET = r"(?P<offset>Z|[+-]\d{2}:?\d{2})"
_DATETIME = re.compile(rf"{_DATE}(?:(?:\s*|T){_TIME}(?:\s*{_OFFSET})?)?", re.IGNORECASE | re.ASCII)


def _parse_text_datetime(text: str) -> datetime.datetime | None:
    """A naive or aware datetime from one of the accepted formats, else None."""
    text = _strip(unicodedata.normalize("NFKC", text))
    match = _DATETIME.fullmatch(text) if len(text) <= MAX_NUMBER_CHARS else None
    if match is None:
        return None
    parts = match.groupdict()
    month = parts["month"] or parts["cmonth"] or parts["cmonth8"]
    day = parts["day"] or parts["cday"] or parts["cday8"]
    hour = parts["hour"] or parts["chour"] or 0
    minute = parts["minute"] or parts["cminute"] or 0
    second = parts["second"] or parts["csecond"] or 0
    micro = int((parts["fraction"] or "0").ljust(6, "0"))
    try:
        return datetime.datetime(
            int(parts["year"]),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            micro,
            tzinfo=_offset(parts["offset"]),
        )
    except ValueError:  # no such day or time, or an offset of a day or more
        return None


def _offset(text: str | None) -> datetime.tzinfo | None:
    if not text:
        return None
    if text.upper() == "Z":
        return datetime.UTC
    digits = text[1:].replace(":", "")
    delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return datetime.timezone(-delta if text[0] == "-" else delta)


def _from_serial(value: float) -> datetime.datetime | None:
    """An Excel serial number (1900 system) as a naive datetime, rounded to milliseconds."""
    if not 1 <= value < MAX_EXCEL_SERIAL + 1:
        return None
    try:
        return EXCEL_EPOCH + datetime.timedelta(milliseconds=round(value * 86_400_000))
    except OverflowError:
        return None


def _naive_moment(value: Any) -> datetime.datetime | None:
    """A datetime (maybe aware) from any accepted value; None when not recognised."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, bool) or (isinstance(value, Decimal) and not value.is_finite()):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            number = float(value)
        except OverflowError:
            return None
        if number.is_integer() and 10000101 <= number <= 99991231:
            return _parse_text_datetime(str(int(number)))
        return _from_serial(number) if math.isfinite(number) else None
    if isinstance(value, str):
        return _parse_text_datetime(value)
    return None


def _moment(value: Any, code: str) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, CellError):
        raise ValueProblem("error_cell", text=value.text)
    if isinstance(value, str) and not _strip(value):
        return None
    moment = _naive_moment(value)
    if moment is None:
        raise ValueProblem(code)
    return moment


def _localize(moment: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    if moment.tzinfo is None:
        localize = getattr(tz, "localize", None)  # pytz zones
        return localize(moment) if localize else moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(tz)
    except OverflowError:  # beyond year 1 or 9999 once converted
        raise ValueProblem("not_a_datetime") from None


def to_datetime(value: Any, *, tz: datetime.tzinfo) -> datetime.datetime | None:
    """An aware datetime in `tz`; naive values are taken as wall time in `tz`.

    Accepts datetime, date (midnight), Excel serial numbers 1..2958465 (1900 system,
    base 1899-12-30), an 8-digit number 20261124, and text: '2026-11-24', '2026/11/24',
    '2026.11.24', '20261124', '2026年11月24日', each optionally followed by a time
    '10:00', '10:00:05', '10:00:05.123', '10时30分', '10点30分05秒' (after a space, 'T'
    or directly), with an optional offset 'Z' / '+08:00' that is converted to `tz`.
    Day-first or month-first text such as '24/11/2026' is refused as ambiguous.
    """
    moment = _moment(value, "not_a_datetime")
    return None if moment is None else _localize(moment, tz)


def to_date(value: Any) -> datetime.date | None:
    """A date from what :func:`to_datetime` accepts; a time of day is dropped."""
    moment = _moment(value, "not_a_date")
    return None if moment is None else moment.date()
