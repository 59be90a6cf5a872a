"""Exports through the API, the admin and a real Celery worker process."""

import csv
import io
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
import xlrd
from django.urls import reverse
from django.utils import timezone

from basic.filejobs.models import FileJob, JobStatus
from basic.models import LogisticsCompany, Product, Warehouse
from store.models import Order, OrderItem, Store
from tests.conftest import skip_unless_required
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    StoreFactory,
    UserFactory,
)
from tests.job_helpers import upload, wait_for
from user.models import User

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def export(client, kind, file_format="xlsx", filters=None, ids=None, language="zh-hans"):
    response = client.post(
        reverse("api-job-export"),
        {
            "kind": kind,
            "format": file_format,
            "filters": filters or {},
            **({"ids": ids} if ids else {}),
        },
        content_type="application/json",
        headers={"accept-language": language},
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def download(client, job_id) -> bytes:
    response = client.get(reverse("api-job-result", args=[job_id]))
    assert response.status_code == 200, response
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def rows_of(content: bytes, file_format: str) -> list[list]:
    if file_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if file_format == "xls":
        sheet = xlrd.open_workbook(file_contents=content).sheet_by_index(0)
        return [sheet.row_values(r) for r in range(sheet.nrows)]
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _bulk_orders(store, lines: int):
    product = ProductFactory(sku_code="BULK1")
    orders = Order.objects.bulk_create(
        Order(
            store=store, platform_order_no=f"B{i:07d}", buyer_name="王五", ordered_at=timezone.now()
        )
        for i in range(lines)
    )
    if orders[0].pk is None:
        orders = list(Order.objects.filter(store=store).order_by("pk"))
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=product,
            sku_code="BULK1",
            quantity=1,
            unit_price=Decimal("9.90"),
            amount=Decimal("9.90"),
        )
        for order in orders
    )


@pytest.mark.database_neutral  # the xls writer's sheet limit
def test_seventy_thousand_lines_to_xls_continue_on_a_second_sheet(
    admin_client, celery_worker, tmp_path
):
    _bulk_orders(StoreFactory(code="A001"), 70_000)
    job = wait_for(export(admin_client, "order", "xls"), timeout=300)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result_filename.startswith("订单_") and job.result_filename.endswith(".xls")
    content = download(admin_client, job.pk)

    book = xlrd.open_workbook(file_contents=content, formatting_info=True)
    first, second = book.sheets()
    assert (first.name, second.name) == ("订单", "订单 (2)")
    assert (first.nrows - 1, second.nrows - 1) == (65_535, 4_465)
    assert first.cell_value(0, 0) == second.cell_value(0, 0) == "店铺编码"
    header_font = book.font_list[book.xf_list[first.cell_xf_index(0, 0)].font_index]
    assert header_font.name == "宋体" and header_font.bold
    price = first.cell(1, first.row_values(0).index("单价"))
    assert price.ctype == xlrd.XL_CELL_NUMBER and price.value == 9.9
    ordered = first.cell(1, first.row_values(0).index("下单时间"))
    assert ordered.ctype == xlrd.XL_CELL_DATE

    if shutil.which("soffice") is None:
        skip_unless_required("LibreOffice (soffice) not installed: the xlrd part passed")
    path = tmp_path / "orders.xls"
    path.write_bytes(content)
    converted = subprocess.run(
        ["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    lines = (tmp_path / "orders.csv").read_text(encoding="utf-8", errors="replace").splitlines()
    assert len(lines) == 65_536


def _seed_every_kind():
    store_a = StoreFactory(code="A001", name="店铺A", contact_phone="13800138000")
    StoreFactory(code="B001", platform="jd")
    Warehouse.objects.create(code="WH-SH", name="上海仓", address="上海")
    LogisticsCompany.objects.create(code="SF", name="顺丰")
    for i in range(3):
        ProductFactory(
            sku_code=f"SKU{i}",
            name=f"商品{i}",
            barcode=f"69{i}",
            weight=Decimal("1.250"),
            price=Decimal("59.90"),
            cost=Decimal("30.00"),
        )
    order = OrderFactory(
        store=store_a,
        platform_order_no="RT-1",
        status="paid",
        buyer_phone="13800138000",
        freight=Decimal("6.00"),
        ordered_at=timezone.make_aware(datetime(2026, 11, 24, 10, 30)),
        warehouse=Warehouse.objects.get(),
        logistics=LogisticsCompany.objects.get(),
        tracking_no="SF001",
        remark="=1+1 请尽快发货",
    )
    for sku in ("SKU0", "SKU1"):
        OrderItemFactory(
            order=order,
            sku_code=sku,
            product=Product.objects.get(sku_code=sku),
            quantity=2,
            unit_price=Decimal("59.90"),
            product_name=f"商品{sku}",
        )
    order.recalculate_totals()
    order.save()
    clerk = UserFactory(
        username="clerk",
        display_name="小王",
        phone="13900139000",
        email="w@example.com",
        roles=["客服"],
    )
    clerk.stores.add(store_a)


ROW_COUNTS = {"store": 2, "order": 2, "product": 3, "warehouse": 1, "logistics": 1}


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "csv"])
def test_export_then_import_changes_nothing_for_every_kind(
    admin_user, admin_client, roles, celery_worker, tmp_path, file_format
):
    _seed_every_kind()
    before = _snapshot()
    for kind in ("store", "order", "product", "warehouse", "logistics", "user"):
        job = wait_for(export(admin_client, kind, file_format))
        assert job.status == JobStatus.SUCCEEDED, (kind, job.message)
        path = tmp_path / f"{kind}.{file_format}"
        path.write_bytes(download(admin_client, job.pk))

        back = wait_for(upload(admin_client, path, kind=kind))

        expected = ROW_COUNTS.get(kind, User.objects.count())
        assert (back.status, back.failed) == (JobStatus.SUCCEEDED, 0), (
            kind, back.message, list(back.row_errors.values_list("problems", flat=True)),
        )  # fmt: skip
        assert (back.created, back.updated, back.unchanged) == (0, 0, expected), (
            kind,
            back.message,
        )
    assert _snapshot() == before


ENGLISH_HEADERS = {
    "store": ["Store code", "Store name", "Platform", "Status", "Contact name", "Contact phone"],
    "warehouse": ["Warehouse code", "Warehouse name", "Address", "Status"],
    "logistics": ["Carrier code", "Carrier name"],
    "user": ["Username", "Display name", "Phone", "Email address", "Stores", "Roles", "Active"],
}


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_english_export_has_english_headers_and_imports_back_unchanged(
    admin_user, admin_client, roles, celery_worker, tmp_path, file_format
):
    _seed_every_kind()
    before = _snapshot()
    for kind in ("store", "order", "product", "warehouse", "logistics", "user"):
        job = wait_for(export(admin_client, kind, file_format, language="en"))
        assert job.status == JobStatus.SUCCEEDED, (kind, job.message)
        content = download(admin_client, job.pk)
        header = rows_of(content, file_format)[0]
        assert header == ENGLISH_HEADERS.get(kind, header), kind
        assert not any("_" in text or "\u4e00" <= text[0] <= "\u9fff" for text in header), header
        path = tmp_path / f"{kind}.{file_format}"
        path.write_bytes(content)

        back = wait_for(upload(admin_client, path, kind=kind, language="en"))

        expected = ROW_COUNTS.get(kind, User.objects.count())
        assert (back.status, back.failed, back.unchanged) == (JobStatus.SUCCEEDED, 0, expected), (
            kind, back.message, list(back.row_errors.values_list("problems", flat=True)),
        )  # fmt: skip
    assert _snapshot() == before


def _snapshot():
    return (
        list(Store.objects.order_by("code").values()),
        list(Order.objects.order_by("pk").values()),
        list(OrderItem.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values()),
        list(
            User.objects.order_by("pk").values_list(
                "username", "display_name", "phone", "email", "is_active"
            )
        ),
    )


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "csv"])
def test_formulas_come_out_as_text(admin_client, celery_worker, file_format):
    StoreFactory(
        code="F1", name='=HYPERLINK("http://x")', contact_name="+1+1", contact_phone="@SUM(A1)"
    )
    job = wait_for(export(admin_client, "store", file_format))
    content = download(admin_client, job.pk)
    rows = rows_of(content, file_format)
    header, row = rows[0], rows[1]
    assert row[header.index("店铺名称")] == '\'=HYPERLINK("http://x")'
    assert row[header.index("联系人")] == "'+1+1"
    if file_format == "xlsx":
        cell = (
            openpyxl.load_workbook(io.BytesIO(content))
            .worksheets[0]
            .cell(2, header.index("店铺名称") + 1)
        )
        assert cell.data_type == "s"


def test_users_export_only_their_stores_and_nobody_else_downloads_it(
    client, roles, operator_factory, celery_worker
):
    store_a, store_b = StoreFactory(code="A001"), StoreFactory(code="B001")
    OrderItemFactory(order__store=store_a, order__platform_order_no="A-ORDER")
    OrderItemFactory(order__store=store_b, order__platform_order_no="B-ORDER")
    user_a = operator_factory(store_a, username="user_a")
    client.force_login(user_a)

    asks_for_b = wait_for(
        export(client, "order", "csv", filters={"store__id__exact": str(store_b.pk)})
    )
    assert "B-ORDER" not in str(rows_of(download(client, asks_for_b.pk), "csv"))
    everything = wait_for(export(client, "order", "csv"))
    rows = rows_of(download(client, everything.pk), "csv")
    assert [row[1] for row in rows[1:]] == ["A-ORDER"]

    client.force_login(operator_factory(store_b, username="user_b"))
    assert client.get(reverse("api-job-result", args=[everything.pk])).status_code == 404
    assert client.get(reverse("api-job-detail", args=[everything.pk])).status_code == 404


def test_admin_export_button_exports_the_filtered_list(admin_client, celery_worker):
    store = StoreFactory(code="A001")
    OrderItemFactory(order__store=store, order__status="paid", order__platform_order_no="PAID-1")
    OrderItemFactory(
        order__store=store, order__status="cancelled", order__platform_order_no="CANCELLED-1"
    )
    changelist = reverse("admin:store_order_changelist")
    page = admin_client.get(changelist, {"status__exact": "paid"}).content.decode()
    assert 'name="filters" value="status__exact=paid"' in page

    response = admin_client.post(
        reverse("export-request"),
        {"kind": "order", "format": "xlsx", "filters": "status__exact=paid"},
    )
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    job = wait_for(job_id)
    rows = rows_of(download(admin_client, job.pk), "xlsx")
    assert [row[1] for row in rows[1:]] == ["PAID-1"]


def test_admin_action_exports_the_selected_rows(admin_client, celery_worker):
    stores = [StoreFactory(code=f"S{i}") for i in range(3)]
    response = admin_client.post(
        reverse("admin:store_store_changelist"),
        {"action": "export_selected_csv", "_selected_action": [stores[0].pk, stores[2].pk]},
    )
    assert response.status_code == 302
    job = wait_for(int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))
    rows = rows_of(download(admin_client, job.pk), "csv")
    assert sorted(row[0] for row in rows[1:]) == ["S0", "S2"]


def test_excel_export_command_writes_the_file(admin_user, celery_worker, tmp_path):
    from django.core.management import call_command

    StoreFactory(code="CMD1")
    output = tmp_path / "stores.csv"
    call_command(
        "excel_export",
        "store",
        "--user",
        admin_user.username,
        "--format",
        "csv",
        "--output",
        str(output),
        "--filter",
        "q=CMD1",
    )
    rows = rows_of(output.read_bytes(), "csv")
    assert [row[0] for row in rows[1:]] == ["CMD1"]


@pytest.mark.django_db(transaction=False)
def test_identical_request_while_queued_returns_the_same_job(admin_client):
    first = export(admin_client, "store", "xlsx", filters={"platform__exact": "jd"})
    assert export(admin_client, "store", "xlsx", filters={"platform__exact": "jd"}) == first
    assert export(admin_client, "store", "csv", filters={"platform__exact": "jd"}) != first
    FileJob.objects.filter(pk=first).update(status=JobStatus.SUCCEEDED)
    assert export(admin_client, "store", "xlsx", filters={"platform__exact": "jd"}) != first


@pytest.mark.django_db(transaction=False)
def test_xls_too_large_for_memory_is_refused_up_front(admin_client, settings):
    settings.XLS_MAX_ROWS = 1
    StoreFactory(), StoreFactory()
    response = admin_client.post(
        reverse("api-job-export"),
        {"kind": "store", "format": "xls"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "xlsx" in response.json()["error"]["message"]
    assert FileJob.objects.count() == 0
