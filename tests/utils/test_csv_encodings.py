"""csv encodings: BOMs, detection (GB18030 first for Chinese, charset-normalizer for the
rest), a guess that says it is one, the user's choice, and undecodable bytes refused
with their line. Every file is encoded here with Python's codecs."""

import codecs

import pytest

from utils.excel_read import UnreadableFile, chosen_encoding, open_workbook

CHINESE = [
    ["商品编码", "商品名称", "条码", "规格"],
    ["SKU001", "赣南脐橙", "6900000000017", "5kg装"],
    ["SKU002", "阿克苏苹果", "6900000000024", "10kg装"],
    ["SKU003", "海南芒果（大）", "6900000000031", "2.5kg装"],
]
WESTERN = [
    ["sku", "name", "note"],
    ["A-1", "Café crème", "naïve façade"],
    ["A-2", "Müller", "Straße"],
]
LATIN_1 = [["sku", "name"], ["A-1", "Jalapeño señor"], ["A-2", "Ångström"]]
CYRILLIC = [["артикул", "название"], ["A-1", "Молоко пастеризованное"], ["A-2", "Хлеб ржаной"]]
CENTRAL = [["sku", "nazwa"], ["A-1", "Żółć gęślą jaźń"], ["A-2", "Příliš žluťoučký kůň"]]


def csv_bytes(rows, encoding: str, *, bom: bytes = b"") -> bytes:
    return bom + "".join(",".join(row) + "\r\n" for row in rows).encode(encoding)


def read(tmp_path, data: bytes, **options):
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    with open_workbook(path, **options) as book:
        rows = [cells for _number, cells in next(book.sheets()).rows]
        return book, rows


def refusal(tmp_path, data: bytes, **options) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        read(tmp_path, data, **options)
    return caught.value


@pytest.mark.parametrize(
    ("codec", "bom", "encoding"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "utf-32"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ],
)
def test_csv_with_a_unicode_bom_is_read_in_that_encoding(tmp_path, codec, bom, encoding):
    book, rows = read(tmp_path, csv_bytes(CHINESE, codec, bom=bom))
    assert (book.encoding, book.encoding_guessed, book.delimiter) == (encoding, False, ",")
    assert rows == CHINESE


def test_utf16_tab_separated_as_excel_saves_unicode_text(tmp_path):
    text = "".join("\t".join(row) + "\r\n" for row in CHINESE)
    book, rows = read(tmp_path, text.encode("utf-16"))
    assert (book.encoding, book.delimiter) == ("utf-16", "\t")
    assert rows == CHINESE


@pytest.mark.parametrize(
    ("rows", "codec", "detected"),
    [
        (CHINESE, "gbk", "gb18030"),
        (CHINESE, "gb18030", "gb18030"),
        (WESTERN, "cp1252", "cp1252"),
        (LATIN_1, "latin-1", "cp1252"),  # the same characters, cp1252 being its superset
        (CYRILLIC, "cp1251", "cp1251"),
        (CENTRAL, "cp1250", "cp1250"),
        (
            [["商品編碼", "商品名稱"], ["SKU001", "贛南臍橙"], ["SKU002", "阿克蘇蘋果"]],
            "big5",
            "big5",
        ),
    ],
)
def test_csv_without_bom_is_detected_and_read_exactly(tmp_path, rows, codec, detected):
    book, read_rows = read(tmp_path, csv_bytes(rows, codec))
    assert book.encoding == detected
    assert read_rows == rows


def test_chinese_gbk_text_is_a_confident_guess(tmp_path):
    book, _rows = read(tmp_path, csv_bytes(CHINESE * 20, "gbk"))
    assert (book.encoding, book.encoding_guessed) == ("gb18030", False)


def test_a_single_byte_code_page_is_a_guess_that_says_so(tmp_path):
    """cp1250 and cp1257 read these bytes too, differently: the job will say which
    encoding it used."""
    book, _rows = read(tmp_path, csv_bytes(WESTERN, "cp1252"))
    assert (book.encoding, book.encoding_guessed) == ("cp1252", True)


def test_utf8_and_ascii_are_confident(tmp_path):
    book, _rows = read(tmp_path, csv_bytes(CYRILLIC, "utf-8"))
    assert (book.encoding, book.encoding_guessed) == ("utf-8", False)
    book, _rows = read(tmp_path, b"sku,qty\nA-1,2\n")
    assert (book.encoding, book.encoding_guessed) == ("utf-8", False)


def test_the_line_that_decides_may_come_after_the_first_64_kb(tmp_path):
    data = b"sku,name\n" + b"A-1,plain\n" * 8000 + csv_bytes(CYRILLIC[1:], "cp1251")
    assert len(data) > 64 * 1024 + len(csv_bytes(CYRILLIC[1:], "cp1251"))
    book, rows = read(tmp_path, data)
    assert book.encoding == "cp1251"
    assert rows[-2:] == CYRILLIC[1:]


def test_korean_euc_kr_reads_as_gb18030_only_as_a_guess_and_as_chosen_exactly(tmp_path):
    rows = [["상품코드", "상품명"], ["SKU001", "사과"], ["SKU002", "배 선물세트"]]
    data = csv_bytes(rows, "euc_kr")
    book, _rows = read(tmp_path, data)
    assert (book.encoding, book.encoding_guessed) == ("gb18030", True)  # GB18030 first
    book, chosen_rows = read(tmp_path, data, encoding="EUC-KR")
    assert (book.encoding, book.encoding_guessed, chosen_rows) == ("euc_kr", False, rows)


def test_a_chosen_encoding_is_used_instead_of_detecting(tmp_path):
    data = csv_bytes(CYRILLIC, "koi8_r")
    book, rows = read(tmp_path, data, encoding="koi8-r")
    assert (book.encoding, book.encoding_guessed, rows) == ("koi8_r", False, CYRILLIC)


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("GBK", "gb18030"),
        ("gb2312", "gb18030"),
        ("UTF-8", "utf-8-sig"),
        ("windows-1252", "cp1252"),
        ("latin-1", "latin_1"),
        ("ISO-8859-1", "latin_1"),
        ("Shift_JIS", "shift_jis"),
    ],
)
def test_chosen_encoding_names(name, codec):
    assert chosen_encoding(name) == codec


@pytest.mark.parametrize("name", ["rot13", "hex", "no-such-codec", "", "utf-7"])
def test_chosen_encoding_refuses_what_is_not_offered(name):
    with pytest.raises(ValueError):
        chosen_encoding(name)


def test_a_chosen_encoding_that_cannot_decode_the_file_names_the_line(tmp_path):
    lines = [["sku", "name"]] + [["A-1", "plain"]] * 4998 + [["B-2", "Café"]]
    error = refusal(tmp_path, csv_bytes(lines, "cp1252"), encoding="utf-8")
    assert error.code == "bad_encoding"
    assert error.params == {"encoding": "UTF-8", "line": 5000}


def test_a_detected_encoding_that_fails_later_names_the_line(tmp_path):
    """GB18030 fits the first 64 KB; a byte 0xFF (never in GB18030) on line 12000 is
    refused, not replaced."""
    data = csv_bytes(CHINESE, "gbk") + b"A-1,x\n" * 11995 + b"B-2,\xff\n"
    assert data.index(b"\xff") > 64 * 1024
    error = refusal(tmp_path, data)
    assert error.code == "bad_encoding"
    assert error.params == {"encoding": "GB18030 / GBK (简体中文)", "line": 12000}
