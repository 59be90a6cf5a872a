"""A csv is held to a sheet's limits: records, fields per record, and line length."""

import pytest

from utils.excel_read import UnreadableFile, limits, open_workbook


def _refusal(path) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught, open_workbook(path) as book:
        for sheet in book.sheets():
            for _ in sheet.rows:
                pass
    return caught.value


def test_a_record_wider_than_excel_is_refused_before_any_row_is_read(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a,b\n" + ",".join(f"c{n}" for n in range(limits.MAX_COLUMN + 1)) + "\n")

    refused = _refusal(path)

    assert refused.code == "over_limit"
    assert "16,384 columns in record 2" in refused.detail


def test_a_record_as_wide_as_excel_is_read(tmp_path):
    path = tmp_path / "xfd.csv"
    path.write_text(",".join(f"c{n}" for n in range(limits.MAX_COLUMN)) + "\n")

    with open_workbook(path) as book:
        ((_number, cells),) = next(book.sheets()).rows

    assert len(cells) == limits.MAX_COLUMN and cells[-1] == f"c{limits.MAX_COLUMN - 1}"


def test_a_line_longer_than_the_limit_is_refused_without_being_split(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CSV_LINE_CHARS", 1000)
    path = tmp_path / "long.csv"
    path.write_text("a,b\n" + "x" * 999 + "\n" + "y" * 1001 + "\n")

    refused = _refusal(path)

    assert refused.code == "over_limit"
    assert "1,000 characters in line 3" in refused.detail


def test_more_records_than_excel_has_rows_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROW", 100)
    path = tmp_path / "long.csv"
    path.write_text("".join(f"{n},x\n" for n in range(101)))

    refused = _refusal(path)

    assert refused.code == "too_many_rows"
    assert refused.params == {"max_rows": 100, "rows": 101}
