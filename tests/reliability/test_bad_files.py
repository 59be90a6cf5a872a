"""The bad-file corpus (tests/data/bad/, rebuilt by its generate.py): each file gives
exactly the refusal or the outcome stated here, through the API and a real worker."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from basic.filejobs.models import FileJob, JobStatus
from basic.models import Product
from store.models import Order
from tests.job_helpers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CORPUS = Path(__file__).parent.parent / "data" / "bad"


def _products():
    return dict(Product.objects.values_list("sku_code", "name"))


def _price(sku):
    return Product.objects.get(sku_code=sku).price


# file → (HTTP status, error code) for files refused at upload
REFUSED = {
    "empty.xlsx": (400, "empty_file"),
    "pdf_renamed.xlsx": (415, "unsupported_type"),
    "png_renamed.xls": (415, "unsupported_type"),
    "jpeg_renamed.xlsx": (415, "unsupported_type"),
    "html_as.xls": (415, "unsupported_type"),
}

# file → the job's whole-file failure message (English)
FAILED = {
    "text_renamed.xlsx": "No header row found in the first 20 rows",
    "truncated.xlsx": "damaged",
    "truncated.xls": "damaged",
    "zip_bomb.xlsx": "zip bomb",
    "encrypted.xlsx": "password-protected",
    "duplicate_headers.xlsx": "the column SKU code (sku_code) appears more than once (columns A, J)",
    "missing_required.xlsx": "missing required columns Product name (name)",
    # refused before any row, not blank rows up to the 10^20th
    "row_number_1e20.xlsx": "The sheet has more rows than allowed",
    "column_past_xfd.xlsx": "goes past what the reader accepts (xl/worksheets/sheet1.xml",
    # values at A1 and IV65536 in a file only calamine reads: refused before calamine
    # builds its 16.7-million-cell range
    "far_cells_for_calamine.xls": "goes past what the reader accepts (xls: a sheet spans",
}

# file → (created, failed, check of what was written and reported)
IMPORTED = {
    "header_only.xlsx": (
        0,
        0,
        lambda job: job.processed == 0 and "no data rows under its header" in job.message,
    ),
    "title_rows.xlsx": (3, 0, lambda job: job.options["header_row"] == 4),
    "merged_header.xlsx": (3, 0, lambda job: job.options["header_row"] == 2),
    "extra_columns.xlsx": (3, 0, lambda job: job.options["ignored_columns"] == ["颜色", "产地"]),
    "huge_dimension.xlsx": (3, 0, lambda job: len(_products()) == 3),
    # the second product sits in an XML comment: Excel shows no such row
    "row_in_comment.xlsx": (1, 0, lambda job: _products() == {"SKU001": "赣南脐橙"}),
    # a stray "x" at XFD1048576, outside the product columns: streamed past, no row
    "far_cell.xlsx": (3, 0, lambda job: len(_products()) == 3 and job.processed == 3),
    "formulas.xlsx": (
        1,
        0,
        lambda job: _products() == {"SKU001": "公式名称"} and _price("SKU001") == 15,
    ),
    "error_cells.xlsx": (
        1,
        1,
        lambda job: "the spreadsheet error #DIV/0!" in str(job.row_errors.get().problems),
    ),
    "numbers_text.xlsx": (
        3,
        0,
        lambda job: (
            [_price(s) for s in ("SKU001", "SKU002", "SKU003")] == [1234.5, 12, 1000]
            and Product.objects.get(sku_code="SKU001").cost == 123
            and Product.objects.get(sku_code="SKU001").weight == Decimal("1.5")
        ),
    ),
    "fullwidth.xlsx": (
        1,
        0,
        lambda job: (
            _products() == {"SKU001": "橙子（大）"}
            and Product.objects.get().barcode == "6900000000017"
            and _price("SKU001") == Decimal("59.9")
        ),
    ),
    "emoji.xlsx": (1, 0, lambda job: _products() == {"SKU001": "🍊赣南脐橙🚚"}),
    "long_cell.csv": (
        1,
        1,
        lambda job: (
            "too long: 100000 characters, at most 200" in str(job.row_errors.get().problems)
        ),
    ),
    "script_cells.xlsx": (1, 1, lambda job: _products() == {"SKU001": "<script>alert(1)</script>"}),
    "gbk.csv": (3, 0, lambda job: _products()["SKU002"] == "阿克苏苹果"),
    "bom.csv": (3, 0, lambda job: _products()["SKU003"] == "海南芒果"),
    "semicolons.csv": (3, 0, lambda job: _products()["SKU001"] == "赣南脐橙"),
    "many_sheets.xlsx": (3, 0, lambda job: job.sheet_name == "商品"),
    "blank_rows.xlsx": (3, 0, lambda job: job.processed == 3),
    "float_codes.xlsx": (
        1,
        0,
        lambda job: Product.objects.filter(sku_code="1001", barcode="6900000000017").exists(),
    ),
    "valid.xls": (3, 0, lambda job: _products()["SKU001"] == "赣南脐橙"),
    "utf16.csv": (3, 0, lambda job: _products()["SKU002"] == "阿克苏苹果"),
    # single-byte code pages: read exactly; cp1250 reads cp1252's bytes too, so the job
    # says which encoding it guessed
    "cp1252.csv": (
        3,
        0,
        lambda job: (
            _products()["SKU001"] == "Café crème"
            and job.options["read_encoding"] == "cp1252"
            and job.options["encoding_guessed"]
        ),
    ),
    "cp1251.csv": (3, 0, lambda job: _products()["SKU002"] == "Хлеб ржаной"),
    # xls that xlrd alone refuses
    "stream_in_capitals.xls": (3, 0, lambda job: _products()["SKU001"] == "赣南脐橙"),
    "string_table_overcount.xls": (3, 0, lambda job: _products()["SKU003"] == "海南芒果"),
    "shared_sector.xls": (3, 0, lambda job: _products()["SKU002"] == "阿克苏苹果"),
    "dates_text.csv": (
        6,
        0,
        lambda job: (
            set(Order.objects.values_list("ordered_at", flat=True))
            == {datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))}
        ),
    ),
}


def test_the_corpus_is_complete():
    files = {path.name for path in CORPUS.iterdir() if path.suffix in (".xlsx", ".xls", ".csv")}
    assert files == set(REFUSED) | set(FAILED) | set(IMPORTED)
    assert len(files) >= 30


def _post(client, name: str, upload_name: str | None = None):
    kind = "order" if name == "dates_text.csv" else "product"
    file = SimpleUploadedFile(upload_name or name, (CORPUS / name).read_bytes())
    return client.post(
        reverse("api-job-import"), {"kind": kind, "file": file}, headers={"accept-language": "en"}
    )


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_at_upload(admin_client, name):
    response = _post(admin_client, name)
    assert (response.status_code, response.json()["error"]["code"]) == REFUSED[name]
    assert FileJob.objects.count() == 0


@pytest.mark.parametrize("name", sorted(FAILED))
def test_whole_file_refused_with_a_clear_message(admin_client, celery_worker, name):
    response = _post(admin_client, name)
    assert response.status_code == 202
    job = wait_for(response.json()["id"])
    assert job.status == JobStatus.FAILED
    assert FAILED[name] in job.message, job.message
    assert Product.objects.count() == 0


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_imported_with_the_expected_outcome(admin_client, celery_worker, request, name):
    if name == "dates_text.csv":
        request.getfixturevalue("catalogue")  # its store A001 and product SKU0001
    response = _post(admin_client, name)
    assert response.status_code == 202, response.content
    job = wait_for(response.json()["id"])
    created, failed, check = IMPORTED[name]
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.created, job.failed) == (created, failed), list(
        job.row_errors.values_list("problems", flat=True)
    )
    assert check(job)


def test_script_in_cells_is_escaped_wherever_it_is_shown(admin_client, celery_worker):
    job = wait_for(_post(admin_client, "script_cells.xlsx").json()["id"])
    page = admin_client.get(reverse("job-page", args=[job.pk])).content.decode()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<script>alert(2)" not in page
    changelist = admin_client.get(reverse("admin:basic_product_changelist")).content.decode()
    assert "<script>alert(1)" not in changelist and "&lt;script&gt;alert(1)" in changelist


def test_a_hostile_file_name_is_only_a_label(admin_client, celery_worker):
    response = _post(admin_client, "bom.csv", upload_name="../../etc/passwd 订单 \x00 .csv")
    job = wait_for(response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED
    assert job.original_name == "passwd 订单  .csv"
    assert job.upload_name.startswith("upload/") and "passwd" not in job.upload_name
