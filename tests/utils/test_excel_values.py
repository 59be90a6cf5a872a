import contextlib
import datetime
import pickle
import sys
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from utils import excel_values as v
from utils.excel_read import CellError
from utils.excel_values import ValueProblem

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")
CONVERTERS = [
    v.normalize_text,
    v.normalize_code,
    v.to_text,
    v.to_code,
    v.to_int,
    v.to_decimal,
    v.to_date,
    v.to_bool,
    lambda value: v.to_datetime(value, tz=SHANGHAI),
    v.choice_converter([("paid", ["已付款", "Paid"])]),
]


def problem(convert, value, **kwargs) -> ValueProblem:
    with pytest.raises(ValueProblem) as caught:
        convert(value, **kwargs)
    return caught.value


def test_value_problem_is_a_value_error_with_code_and_params():
    error = ValueProblem("too_long", max_length=5, length=9)
    assert isinstance(error, ValueError)
    assert (error.code, error.params) == ("too_long", {"max_length": 5, "length": 9})


def test_value_problem_survives_pickling():
    copy = pickle.loads(pickle.dumps(ValueProblem("not_a_choice", choices=["a", "b"])))
    assert (copy.code, copy.params) == ("not_a_choice", {"choices": ["a", "b"]})


def test_unicode_spaces_are_every_isspace_character():
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert spaces == v.UNICODE_SPACES


@pytest.mark.parametrize("convert", CONVERTERS)
@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000", "\xa0\t\n", "\u200b"])
def test_every_converter_gives_none_for_empty(convert, empty):
    assert convert(empty) is None


@pytest.mark.parametrize("convert", CONVERTERS)
def test_every_converter_refuses_error_cells(convert):
    error = problem(convert, CellError("#N/A"))
    assert (error.code, error.params) == ("error_cell", {"text": "#N/A"})


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  张三 ", "张三"),
        ("\u3000ＡＢＣ１２３\u3000", "ＡＢＣ１２３"),  # free text keeps full-width characters
        ("\xa0line one\nline two\xa0", "line one\nline two"),
        ("'=1+1", "=1+1"),  # the writers' formula escape is undone
        ("'-5", "-5"),
        ("it's", "it's"),
        (3, "3"),
        (3.0, "3"),
        (0.1 + 0.2, "0.3"),
        (True, "TRUE"),
        (Decimal("1.50"), "1.50"),
        (datetime.date(2026, 11, 24), "2026-11-24"),
        (datetime.datetime(2026, 11, 24, 10, 0), "2026-11-24 10:00:00"),
    ],
)
def test_normalize_text(value, expected):
    assert v.normalize_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (13800138000.0, "13800138000"),
        (1.5e10, "15000000000"),
        (42, "42"),
        ("ＳＫＵ－００１", "SKU-001"),
        ("  ab12 ", "ab12"),
        ("\u3000１３８００１３８０００", "13800138000"),
        ("00123", "00123"),
    ],
)
def test_normalize_code(value, expected):
    assert v.normalize_code(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("订单号", "订单号"),
        ("*订单号", "订单号"),
        ("订单号 *", "订单号"),
        ("Order_No", "orderno"),
        ("order no", "orderno"),
        ("ＯＲＤＥＲ－ｎｏ", "orderno"),
        ("weight(kg)", "weightkg"),
        ("重量（KG）", "重量kg"),
        ("商品\u3000名称", "商品名称"),
        (None, ""),
        (CellError("#REF!"), ""),
        (2026, "2026"),
    ],
)
def test_normalize_header(value, expected):
    assert v.normalize_header(value) == expected


def test_to_text_and_to_code_limit_length():
    assert v.to_text("abc", max_length=3) == "abc"
    error = problem(v.to_text, "  abcd ", max_length=3)
    assert (error.code, error.params) == ("too_long", {"max_length": 3, "length": 4})
    assert v.to_code("ＡＢＣ", max_length=3) == "ABC"
    assert problem(v.to_code, 12345, max_length=4).params == {"max_length": 4, "length": 5}


# --- numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (3.0, 3),
        ("3", 3),
        ("3.0", 3),
        ("1,234", 1234),
        ("１２", 12),
        ("－１２", -12),
        ("+7", 7),
        ("1e3", 1000),
        (" 12 ", 12),
        (Decimal("5.00"), 5),
        (3.0000000000000004, 3),
    ],
)
def test_to_int(value, expected):
    result = v.to_int(value)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (3.5, "not_an_integer"),
        ("3.5", "not_an_integer"),
        ("abc", "not_a_number"),
        ("1,23", "not_a_number"),
        ("12元", "not_a_number"),
        (True, "not_a_number"),
        (float("nan"), "not_a_number"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("٣", "not_a_number"),
        ("1" * 30, "out_of_range"),
        (datetime.date(2026, 1, 1), "not_a_number"),
    ],
)
def test_to_int_refuses(value, code):
    assert problem(v.to_int, value).code == code


def test_to_int_minimum():
    assert v.to_int("0", minimum=0) == 0
    assert problem(v.to_int, "-1", minimum=0).code == "negative"
    error = problem(v.to_int, 4, minimum=5)
    assert (error.code, error.params) == ("out_of_range", {"minimum": 5})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("¥1,234.50", "1234.50"),
        ("￥12", "12.00"),
        ("$3", "3.00"),
        ("RMB 5", "5.00"),
        ("rmb5", "5.00"),
        ("CNY 5.5", "5.50"),
        ("12.5元", "12.50"),
        ("１２．５", "12.50"),
        ("-¥3", "-3.00"),
        ("¥-3", "-3.00"),
        (1234.5, "1234.50"),
        (19.900000000000002, "19.90"),
        (0.1 + 0.2, "0.30"),
        (7, "7.00"),
        (Decimal("1.5"), "1.50"),
        ("1.500", "1.50"),
        (".5", "0.50"),
    ],
)
def test_to_decimal(value, expected):
    result = v.to_decimal(value)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_to_decimal_places_and_minimum():
    assert v.to_decimal("1.234", places=3) == Decimal("1.234")
    assert str(v.to_decimal(5, places=0)) == "5"
    error = problem(v.to_decimal, "1.234")
    assert (error.code, error.params) == ("too_many_decimals", {"places": 2})
    assert problem(v.to_decimal, 0.125).code == "too_many_decimals"
    assert problem(v.to_decimal, "-0.01", minimum=Decimal(0)).code == "negative"
    assert problem(v.to_decimal, "1", minimum=Decimal(2)).code == "out_of_range"
    assert v.to_decimal("12", places=20) == Decimal(12)


@pytest.mark.parametrize("value", ["¥", "12元元", "1.2.3", "--3", "€5", "12%", "1,2345", "abc"])
def test_to_decimal_refuses_text(value):
    assert problem(v.to_decimal, value).code == "not_a_number"


# --- booleans and choices -----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        True,
        1,
        1.0,
        "1",
        "1.0",
        "是",
        "是的",
        "对",
        "yes",
        "YES",
        "y",
        "true",
        "True",
        "启用",
        "有效",
        "√",
    ],
)
def test_to_bool_true(value):
    assert v.to_bool(value) is True


@pytest.mark.parametrize(
    "value",
    [False, 0, 0.0, "0", "否", "不是", "错", "no", "N", "false", "FALSE", "停用", "无效", "×"],
)
def test_to_bool_false(value):
    assert v.to_bool(value) is False


@pytest.mark.parametrize("value", ["maybe", 2, 0.5, "2", "是否", datetime.date(2026, 1, 1)])
def test_to_bool_refuses(value):
    assert problem(v.to_bool, value).code == "not_a_boolean"


STATUS = [("paid", ["已付款", "Paid"]), ("shipped", ["已发货"]), ("cancelled", [])]
TO_STATUS = v.choice_converter(STATUS)  # one for every case, as for a column's rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("已付款", "paid"),
        (" 已付款 ", "paid"),
        ("PAID", "paid"),
        ("ｐａｉｄ", "paid"),
        ("已 发 货", "shipped"),
        ("Cancelled", "cancelled"),
        ("shipped", "shipped"),
    ],
)
def test_choice_converter(value, expected):
    assert TO_STATUS(value) == expected


def test_choice_converter_refuses_with_the_first_label_of_each():
    error = problem(TO_STATUS, "refunded")
    assert (error.code, error.params) == (
        "not_a_choice",
        {"choices": ["已付款", "已发货", "cancelled"]},
    )


def test_choice_converter_matches_numbers_by_their_text():
    assert v.choice_converter([("1", ["one"]), ("2", ["two"])])(1.0) == "1"


# --- dates --------------------------------------------------------------------------


def at(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24", at(2026, 11, 24)),
        ("2026/11/24", at(2026, 11, 24)),
        ("2026.11.24", at(2026, 11, 24)),
        ("2026-1-4", at(2026, 1, 4)),
        ("20261124", at(2026, 11, 24)),
        (20261124, at(2026, 11, 24)),
        ("2026-11-24 10:00", at(2026, 11, 24, 10)),
        ("2026/11/24 10:00:05", at(2026, 11, 24, 10, 0, 5)),
        ("2026-11-24T10:00:00", at(2026, 11, 24, 10)),
        ("2026-11-24 10:00:00.250", at(2026, 11, 24, 10, 0, 0, 250_000)),
        ("2026年11月24日", at(2026, 11, 24)),
        ("2026年11月24日 10:00", at(2026, 11, 24, 10)),
        ("2026年11月24日10时30分", at(2026, 11, 24, 10, 30)),
        ("2026年11月24日 10点30分05秒", at(2026, 11, 24, 10, 30, 5)),
        ("２０２６－１１－２４　１０：００", at(2026, 11, 24, 10)),
        ("2026-11-24T02:00:00Z", at(2026, 11, 24, 10)),
        ("2026-11-24T10:00:00+08:00", at(2026, 11, 24, 10)),
        ("2026-11-24 03:00:00+01:00", at(2026, 11, 24, 10)),
        ("2026-11-24 03:00:00 +0100", at(2026, 11, 24, 10)),
        (datetime.datetime(2026, 11, 24, 10, 0), at(2026, 11, 24, 10)),
        (datetime.datetime(2026, 11, 24, 2, 0, tzinfo=datetime.UTC), at(2026, 11, 24, 10)),
        (datetime.date(2026, 11, 24), at(2026, 11, 24)),
        (46350, at(2026, 11, 24)),
        (46350.4166666667, at(2026, 11, 24, 10)),
        (1, at(1900, 1, 1) - datetime.timedelta(days=1)),  # the standard base 1899-12-30
        (61, at(1900, 3, 1)),
    ],
)
def test_to_datetime(value, expected):
    result = v.to_datetime(value, tz=SHANGHAI)
    assert result == expected
    assert result.tzinfo is SHANGHAI


@pytest.mark.parametrize(
    "value",
    [
        "24/11/2026",
        "11/24/2026",
        "2026-13-01",
        "2026-02-30",
        "2026-11-24 25:00",
        "tomorrow",
        "2026-11/24",
        0,
        -5,
        3_000_000,
        True,
        datetime.time(10, 0),
        float("inf"),
    ],
)
def test_to_datetime_refuses(value):
    assert problem(v.to_datetime, value, tz=SHANGHAI).code == "not_a_datetime"


def test_to_datetime_with_a_pytz_like_zone_uses_localize():
    class Localizing(datetime.tzinfo):
        def localize(self, moment):
            return moment.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8)))

    result = v.to_datetime("2026-11-24 10:00", tz=Localizing())
    assert result.utcoffset() == datetime.timedelta(hours=8)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24", datetime.date(2026, 11, 24)),
        ("2026年11月24日", datetime.date(2026, 11, 24)),
        ("20261124", datetime.date(2026, 11, 24)),
        ("2026-11-24 10:30", datetime.date(2026, 11, 24)),
        (datetime.datetime(2026, 11, 24, 23, 59), datetime.date(2026, 11, 24)),
        (datetime.date(2026, 11, 24), datetime.date(2026, 11, 24)),
        (46350, datetime.date(2026, 11, 24)),
        (46350.99, datetime.date(2026, 11, 24)),
    ],
)
def test_to_date(value, expected):
    assert v.to_date(value) == expected


@pytest.mark.parametrize("value", ["24/11/2026", "2026-02-30", "x", 0, True])
def test_to_date_refuses(value):
    assert problem(v.to_date, value).code == "not_a_date"


# --- properties ---------------------------------------------------------------------

ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.builds(CellError, st.sampled_from(["#N/A", "#REF!"])),
)


@given(st.lists(st.text(), max_size=3).map("".join) | ANY_CELL)
@example("'")
@example("1e999")
@example("9" * 5000)
@example("sNaN")
@example("2026-11-24T10:00:00+99:99")
@example("0001-01-01T00:00:00+14:00")
@example("9999-12-31 23:59:59-12:00")
@example(10**400)
@example(Decimal("sNaN"))
@example(Decimal("1e999999"))
@example(-(10**30))
def test_converters_raise_nothing_but_value_problem(value):
    for convert in CONVERTERS:
        with contextlib.suppress(ValueProblem):
            convert(value)


@given(st.text())
def test_to_text_never_raises_for_text_and_is_stripped(text):
    result = v.to_text(text)
    assert result is None or (result == result.strip() and result)


@given(st.text())
def test_normalize_header_is_idempotent(text):
    once = v.normalize_header(text)
    assert v.normalize_header(once) == once


def with_thousands(number: int) -> str:
    return f"{number:,}"


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_to_int_round_trips_formatted_ints(number):
    assert v.to_int(number) == number
    assert v.to_int(str(number)) == number
    assert v.to_int(with_thousands(number)) == number
    assert v.to_int(with_thousands(number).translate(FULL_WIDTH)) == number
    assert v.to_int(float(number) if abs(number) < 2**53 else number) == number


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False))
def test_to_decimal_round_trips_money_text(amount):
    text = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    assert v.to_decimal(f"{sign}¥{text}") == amount
    assert v.to_decimal(f"{sign}{text}元") == amount
    assert v.to_decimal(f"{sign}RMB {text}") == amount
    assert v.to_decimal(f"{sign}{text}".translate(FULL_WIDTH)) == amount
    assert v.to_decimal(str(amount)) == amount


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_to_decimal_reads_floats_as_excel_stores_them(amount):
    assert v.to_decimal(float(amount)) == amount


@given(st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1))
def test_to_code_of_an_integral_float_is_the_int_text(number):
    assert v.to_code(float(number)) == str(number)
    assert v.to_code(number) == str(number)


DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y.%m.%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日%H时%M分%S秒",
    "%Y%m%d %H:%M:%S",
]
MOMENTS = st.datetimes(
    min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(9999, 12, 31)
).map(lambda moment: moment.replace(microsecond=0))


@given(MOMENTS, st.sampled_from(DATETIME_FORMATS))
def test_to_datetime_round_trips_every_format(moment, fmt):
    text = f"{moment.year:04d}" + moment.strftime(fmt.removeprefix("%Y"))
    assert v.to_datetime(text, tz=SHANGHAI) == moment.replace(tzinfo=SHANGHAI)
    full_width = text.translate(FULL_WIDTH)
    assert v.to_datetime(full_width, tz=SHANGHAI) == moment.replace(tzinfo=SHANGHAI)


@given(MOMENTS)
def test_to_datetime_round_trips_excel_serials(moment):
    serial = (moment - v.EXCEL_EPOCH) / datetime.timedelta(days=1)
    assert v.to_datetime(serial, tz=SHANGHAI) == moment.replace(tzinfo=SHANGHAI)


@given(MOMENTS, st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_to_datetime_converts_offsets_to_the_zone(moment, minutes):
    zone = datetime.timezone(datetime.timedelta(minutes=minutes))
    aware = moment.replace(tzinfo=zone)
    assume(datetime.datetime(1900, 3, 1, tzinfo=datetime.UTC) < aware)
    assert v.to_datetime(aware.isoformat(), tz=SHANGHAI) == aware
    assert v.to_datetime(aware, tz=SHANGHAI).tzinfo is SHANGHAI


@given(
    st.dates(min_value=datetime.date(1900, 3, 1)),
    st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d"]),
)
def test_to_date_round_trips(day, fmt):
    text = f"{day.year:04d}" + day.strftime(fmt.removeprefix("%Y"))
    assert v.to_date(text) == day
    assert v.to_date(datetime.datetime.combine(day, datetime.time(15))) == day


@given(
    st.booleans(),
    st.sampled_from(
        [str, int, float, lambda b: "是" if b else "否", lambda b: "YES" if b else "no"]
    ),
)
def test_to_bool_round_trips(flag, render):
    shown = render(int(flag)) if render in (str, int, float) else render(flag)
    assert v.to_bool(shown) is flag


CHOICES = st.lists(
    st.tuples(
        st.from_regex(r"[a-z]{1,8}", fullmatch=True),
        st.lists(st.from_regex(r"[\u4e00-\u9fa5]{1,4}", fullmatch=True), max_size=3),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda choice: choice[0],
)


@given(CHOICES, st.data())
def test_choice_converter_finds_each_code_and_label(choices, data):
    code, labels = data.draw(st.sampled_from(choices))
    convert = v.choice_converter(choices)
    keys = [v.normalize_header(c) for c, ls in choices] + [
        v.normalize_header(label) for _, ls in choices for label in ls
    ]
    for shown in [code, code.upper(), f" {code} ", *labels]:
        assume(keys.count(v.normalize_header(shown)) == 1)
        assert convert(shown) == code
