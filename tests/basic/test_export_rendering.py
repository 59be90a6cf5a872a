"""Exported files as LibreOffice shows them: every value in full, no ``###``, filters on.

LibreOffice renders the downloaded export to PDF and ``pdftotext`` reads the page back:
a date or number wider than its column is drawn as ``###`` there, as in Excel.
"""

import io
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from store.models import Order
from tests.basic.test_export import download, export
from tests.conftest import skip_unless_required
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.job_helpers import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.database_neutral,
]

ORDERED = datetime(2026, 11, 24, 10, 30, 5)


def _orders() -> None:
    store = StoreFactory(code="TB001")
    for number in range(3):
        order = OrderFactory(
            store=store,
            platform_order_no=f"20261124000012345{number}",
            buyer_phone="13800138000",
            address="浦东新区张江高科技园区碧波路690号4号楼201室",
            freight=Decimal("1234.50"),
            ordered_at=timezone.make_aware(ORDERED),
            paid_at=timezone.make_aware(ORDERED.replace(hour=11)),
        )
        OrderItemFactory(order=order, quantity=3, unit_price=Decimal("99999.90"))
        order.recalculate_totals()
        order.save()


def rendered_text(path, tmp_path) -> str:
    """The text of `path` as LibreOffice lays it out on paper."""
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        skip_unless_required("LibreOffice (soffice) or pdftotext (poppler-utils) not installed")
    converted = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    pdf = tmp_path / "pdf" / f"{path.stem}.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return text.stdout


@pytest.mark.parametrize("file_format", ["xlsx", "xls"])
def test_an_order_export_shows_every_date_and_number_in_full(
    admin_client, celery_worker, tmp_path, file_format
):
    _orders()
    job = wait_for(export(admin_client, "order", file_format))
    path = tmp_path / f"orders.{file_format}"
    path.write_bytes(download(admin_client, job.pk))

    text = rendered_text(path, tmp_path)

    assert "###" not in text
    for shown in ("2026-11-24 10:30:05", "2026-11-24 11:30:05", "99999.90", "1234.50",
                  "202611240000123452", "浦东新区张江高科技园区碧波路690号4号楼201室"):  # fmt: skip
        assert shown in text, f"{shown} not on the page:\n{text[:2000]}"


def test_an_xlsx_export_has_filter_buttons_on_its_header(admin_client, celery_worker, tmp_path):
    _orders()
    job = wait_for(export(admin_client, "order", "xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(download(admin_client, job.pk)))
    sheet = book.worksheets[0]
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}4"
    assert sheet.max_row == 1 + Order.objects.count()
