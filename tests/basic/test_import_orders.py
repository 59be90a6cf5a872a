"""Order import through the API and a real Celery worker process."""

from pathlib import Path

import pytest
from django.urls import reverse

from basic.filejobs.models import JobStatus
from store.models import Order, OrderItem
from tests.job_helpers import SKUS, database_state, read_report, upload, wait_for
from tests.order_files import HEADER, order_sheet, write_csv, write_xls, write_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_ten_thousand_lines_with_faults_import_exactly(client, operator, celery_worker, tmp_path):
    sheet = order_sheet(
        10_000, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=40
    )
    assert len({reason for _column, reason in sheet.bad.values()}) >= 8
    path = write_xlsx(tmp_path / "orders.xlsx", sheet.rows)
    client.force_login(operator)

    job = wait_for(upload(client, path))

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.processed == 10_000
    rejected = set(job.row_errors.values_list("row_number", flat=True))
    assert {row: sheet.bad[row] for row in sheet.bad if row not in rejected} == {}
    assert job.created == sheet.good_lines
    assert job.failed == len(sheet.rejected_rows)
    assert job.updated == job.unchanged == 0
    assert OrderItem.objects.count() == sheet.good_lines
    assert Order.objects.count() == len(sheet.good_orders)
    written = set(Order.objects.values_list("store__code", "platform_order_no"))
    assert written == set(sheet.good_orders)

    report = read_report(client, job.pk)
    header = [cell.value for cell in report[1]]
    assert header[: len(HEADER)] == HEADER
    reported = {}
    for row in report.iter_rows(min_row=2):
        reported[row[-1].value] = row
    assert set(reported) == sheet.rejected_rows
    for row_number, (column, reason) in sheet.bad.items():
        cells = reported[row_number]
        assert reason in cells[len(HEADER)].value, (row_number, cells[len(HEADER)].value)
        bad_cell = cells[HEADER.index(column)]
        assert bad_cell.fill.fgColor.rgb not in (None, "00000000"), (
            f"row {row_number} {column} not marked"
        )


def test_fixed_file_imported_again_creates_the_rest_and_duplicates_nothing(
    client, operator, celery_worker, tmp_path
):
    broken = order_sheet(
        600, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=10
    )
    client.force_login(operator)
    first = wait_for(upload(client, write_xlsx(tmp_path / "first.xlsx", broken.rows)))
    assert first.created == broken.good_lines

    fixed = order_sheet(
        600, stores=["A001", "B001"], skus=SKUS
    )  # same seed: the same orders, no faults
    second = wait_for(upload(client, write_xlsx(tmp_path / "fixed.xlsx", fixed.rows)))

    # an order whose line had a wrong store code came without that line: now it has all
    partial = {o for o, lines in broken.good_orders.items() if lines != fixed.good_orders[o]}
    assert partial
    complete = {o: n for o, n in broken.good_orders.items() if o not in partial}
    assert second.status == JobStatus.SUCCEEDED
    assert second.unchanged == sum(complete.values())
    assert second.updated == sum(fixed.good_orders[o] for o in partial)
    assert second.created == 600 - second.unchanged - second.updated
    assert second.failed == 0
    assert OrderItem.objects.count() == 600
    assert Order.objects.count() == len(fixed.good_orders)

    third = wait_for(upload(client, write_xlsx(tmp_path / "again.xlsx", fixed.rows)))
    assert (third.created, third.updated, third.unchanged, third.failed) == (0, 0, 600, 0)
    assert OrderItem.objects.count() == 600


@pytest.mark.parametrize("variant", ["xls", "csv-utf8-bom", "csv-gbk"])
def test_every_format_gives_the_same_database_state(
    client, operator, celery_worker, tmp_path, variant
):
    sheet = order_sheet(300, stores=["A001", "B001"], skus=SKUS)
    client.force_login(operator)
    assert (
        wait_for(upload(client, write_xlsx(tmp_path / "o.xlsx", sheet.rows))).status
        == JobStatus.SUCCEEDED
    )
    reference = database_state()
    Order.objects.all().delete()

    writers = {
        "xls": lambda: write_xls(tmp_path / "o.xls", sheet.rows),
        "csv-utf8-bom": lambda: write_csv(tmp_path / "o.csv", sheet.rows, encoding="utf-8-sig"),
        "csv-gbk": lambda: write_csv(tmp_path / "o-gbk.csv", sheet.rows, encoding="gbk"),
    }
    job = wait_for(upload(client, writers[variant]()))
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.created == 300
    assert database_state() == reference


def test_validate_only_writes_nothing_and_reports_everything(
    client, operator, celery_worker, tmp_path
):
    sheet = order_sheet(200, stores=["A001", "C001"], skus=SKUS)
    client.force_login(operator)
    job = wait_for(
        upload(client, write_xlsx(tmp_path / "check.xlsx", sheet.rows), mode="validate_only")
    )
    assert job.status == JobStatus.SUCCEEDED
    assert Order.objects.count() == 0 and OrderItem.objects.count() == 0
    c001_lines = sum(1 for row in sheet.rows if row[0] == "C001")
    assert job.failed == c001_lines and job.created == 200 - c001_lines
    report = read_report(client, job.pk)
    messages = [row[len(HEADER)].value for row in report.iter_rows(min_row=2)]
    assert len(messages) == c001_lines
    assert all("store C001 is not one of your stores" in message for message in messages)
    assert f"{job.created} would be created" in job.message
    page = client.get(reverse("job-page", args=[job.pk]), headers={"accept-language": "en"})
    page = page.content.decode()
    assert "Would create" in page and "Would reject" in page and ">Created<" not in page


def test_rows_of_a_store_the_user_cannot_see_are_rejected(
    client, operator, celery_worker, tmp_path
):
    sheet = order_sheet(60, stores=["A001", "C001"], skus=SKUS)
    client.force_login(operator)
    job = wait_for(upload(client, write_xlsx(tmp_path / "mixed.xlsx", sheet.rows)))
    assert not Order.objects.filter(store__code="C001").exists()
    assert Order.objects.filter(store__code="A001").exists()
    assert job.failed == sum(1 for row in sheet.rows if row[0] == "C001")


def test_chinese_users_get_chinese_reasons(client, operator, celery_worker, tmp_path):
    sheet = order_sheet(3, stores=["C001"], skus=SKUS)
    client.force_login(operator)
    job = wait_for(upload(client, write_xlsx(tmp_path / "zh.xlsx", sheet.rows), language="zh-hans"))
    assert "无权" in job.row_errors.first().problems[0]["message"]
    assert "拒绝" in job.message or "失败" in job.message


@pytest.mark.parametrize("saved_by_libreoffice", ["orders.xlsx", "orders.xls"])
def test_files_saved_by_libreoffice_import_like_the_csv_they_came_from(
    client, operator, celery_worker, saved_by_libreoffice
):
    """LibreOffice Calc stored phone numbers as floats and the times as real date cells."""
    folder = Path(__file__).parent.parent / "data" / "libreoffice"
    client.force_login(operator)
    reference_job = wait_for(upload(client, folder / "orders.csv"))
    assert reference_job.status == JobStatus.SUCCEEDED and reference_job.created == 120
    reference = database_state()
    assert Order.objects.filter(buyer_phone__regex=r"^13\d{9}$").count() == Order.objects.count()
    Order.objects.all().delete()

    job = wait_for(upload(client, folder / saved_by_libreoffice))

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.created, job.failed) == (120, 0)
    assert database_state() == reference
    assert Order.objects.filter(buyer_phone__regex=r"^13\d{9}$").count() == Order.objects.count()
