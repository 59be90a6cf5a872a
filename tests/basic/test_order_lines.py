"""Order lines as the platforms export them: a line is its own number within its order
(or its position there), an order is its store code and order number, and every problem
of a row is reported at once."""

import pytest

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.runner import job_run
from store.models import Order, OrderItem
from tests.job_helpers import stored_import, stored_report
from tests.order_files import HEADER, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)

LINE_HEADER = ["店铺编码", "平台订单号", "子订单编号", "商品编码", "数量", "单价", "下单时间"]


def _line(store="A001", order="P1", line_no="", sku="SKU0001", qty=1, price="10.00", at=""):
    return [store, order, line_no, sku, qty, price, at]


def _import(user, tmp_path, rows, header=LINE_HEADER, kind="order") -> FileJob:
    job = stored_import(user, write_xlsx(tmp_path / "lines.xlsx", rows, header), kind=kind)
    job_run(job_id=job.pk, worker="test")
    return FileJob.objects.get(pk=job.pk)


def _lines(order_no="P1"):
    return list(
        OrderItem.objects.filter(order__platform_order_no=order_no)
        .order_by("line_no")
        .values_list("line_no", "sku_code", "quantity", "unit_price")
    )


def test_the_same_sku_twice_in_an_order_is_two_lines_numbered_by_position(operator, tmp_path):
    rows = [
        _line(sku="SKU0001", qty=2, price="59.90"),
        _line(sku="SKU0001", qty=1, price="0.00"),  # the gift line: same SKU, price 0
        _line(sku="SKU0002", qty=1, price="5.00"),
    ]
    job = _import(operator, tmp_path, rows)

    assert (job.status, job.created, job.failed) == (JobStatus.SUCCEEDED, 3, 0), job.message
    lines = _lines()
    assert [(n, sku, q) for n, sku, q, _p in lines] == [
        ("1", "SKU0001", 2),
        ("2", "SKU0001", 1),
        ("3", "SKU0002", 1),
    ]
    assert str(Order.objects.get().goods_amount) == "124.80"

    again = _import(operator, tmp_path, rows)  # the same file: nothing changes
    assert (again.unchanged, again.updated, again.created) == (3, 0, 0)
    assert _lines() == lines


def test_sub_order_numbers_identify_lines_and_one_used_twice_is_rejected(operator, tmp_path):
    rows = [
        _line(line_no="SUB-9", sku="SKU0001", price="59.90"),
        _line(line_no="SUB-7", sku="SKU0001", price="0.00"),
        _line(order="P2", line_no="SUB-1"),
        _line(order="P2", line_no="SUB-1", sku="SKU0002"),  # row 5: the same line twice
    ]
    job = _import(operator, tmp_path, rows)

    assert [n for n, *_rest in _lines("P1")] == ["SUB-7", "SUB-9"]
    assert not Order.objects.filter(platform_order_no="P2").exists()  # whole or not at all
    report = {row[-1]: row[-2] for row in stored_report(job)[1:]}
    assert "line number SUB-1 appears twice in this order (row 4)" in report[5]
    assert "not imported because row 5 of the same order has errors" in report[4]
    assert (job.failed, job.held_back) == (2, 1)


def test_an_order_number_under_two_store_codes_is_two_orders(operator, tmp_path):
    rows = [
        _line(store="A001", order="SAME-1", sku="SKU0001"),
        _line(store="NO-SUCH", order="SAME-1", sku="SKU0002"),  # another order, a bad one
        _line(store="B001", order="SAME-1", sku="SKU0003"),
    ]
    job = _import(operator, tmp_path, rows)

    assert (job.created, job.failed, job.held_back) == (2, 1, 0)
    orders = Order.objects.filter(platform_order_no="SAME-1")
    assert sorted(orders.values_list("store__code", "items__sku_code")) == [
        ("A001", "SKU0001"),
        ("B001", "SKU0003"),
    ]
    (only,) = stored_report(job)[1:]
    assert only[0] == "NO-SUCH" and "is not one of your stores" in only[-2]


def test_every_problem_of_a_row_is_reported_in_one_pass(operator, tmp_path):
    rows = [
        _line(line_no="1"),
        # row 3: a bad date, an unknown SKU, a bad quantity, and the line number again
        _line(line_no="1", sku="NO-SKU", qty="abc", at="2026-13-45"),
    ]
    job = _import(operator, tmp_path, rows)

    report = {row[-1]: row[-2] for row in stored_report(job)[1:]}
    problems = report[3].split("; ")
    assert len(problems) == 4, report[3]
    assert any("not a date and time" in p for p in problems)
    assert any("unknown SKU code NO-SKU" in p for p in problems)
    assert any("not a number" in p for p in problems)
    assert any("appears twice in this order (row 2)" in p for p in problems)
    assert Order.objects.count() == 0


def test_a_product_with_a_bad_cell_and_a_repeated_key_gets_both_in_one_report(operator, tmp_path):
    header = ["商品编码", "商品名称", "售价"]
    rows = [["SKU-X", "梨", "3.50"], ["SKU-X", "梨", "三元"]]
    job = _import(operator, tmp_path, rows, header=header, kind="product")

    (row,) = stored_report(job)[1:]
    assert row[-1] == 3
    assert "not a number" in row[-2] and "duplicate of row 2 in this file" in row[-2]


def test_a_file_without_line_numbers_keeps_its_header_order(operator, tmp_path):
    """The full order header of the tests' own files still imports (no line column)."""
    row = ["A001", "H1", "已付款", "张三", "138", "", "", "", "", "6", "", "", "", "", "", ""]
    rows = [[*row, "SKU0001", "n", 1, "1.00"], [*row, "SKU0001", "n", 1, "1.00"]]
    job = _import(operator, tmp_path, rows, header=HEADER)
    assert (job.created, job.failed) == (2, 0)
    assert [n for n, *_rest in _lines("H1")] == ["1", "2"]


def test_lines_of_an_order_far_apart_are_numbered_on_across_chunks(operator, tmp_path, monkeypatch):
    from basic.filejobs.pipeline import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = [_line(order="FAR", sku="SKU0001")]
    rows += [_line(order=f"N{i}") for i in range(5)]
    rows += [_line(order="FAR", sku="SKU0001", price="0.00"), _line(order="FAR", sku="SKU0003")]
    job = _import(operator, tmp_path, rows)

    assert job.failed == 0, job.message
    assert [(n, sku) for n, sku, *_rest in _lines("FAR")] == [
        ("1", "SKU0001"),
        ("2", "SKU0001"),
        ("3", "SKU0003"),
    ]
