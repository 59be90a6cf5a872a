"""An error report uploaded again gives a report with one pair of error columns, not two."""

import io

import openpyxl
import pytest
from django.urls import reverse

from basic.filejobs import job_files
from basic.filejobs.models import FileJob
from basic.filejobs.runner import job_run
from tests.job_helpers import SKUS, stored_import
from tests.order_files import COL, HEADER, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)


def _line(number: str, sku: str) -> list:
    row = [None] * len(HEADER)
    cells = {"店铺编码": "A001", "平台订单号": number, "商品编码": sku, "数量": 1, "单价": "2.00"}
    for name, value in cells.items():
        row[COL[name]] = value
    return row


def _report_of(job: FileJob, tmp_path, name: str):
    """The job's error report saved as the user downloads it, and its sheet."""
    job = FileJob.objects.get(pk=job.pk)
    path = tmp_path / name
    with job_files.job_storage().open(job.error_report_name, "rb") as stored:
        path.write_bytes(stored.read())
    return path, openpyxl.load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]


def test_a_report_uploaded_again_keeps_one_pair_of_error_columns(operator, tmp_path):
    rows = [_line("R-1", SKUS[0]), _line("R-2", "NO-SUCH-SKU")]
    first = stored_import(operator, write_xlsx(tmp_path / "orders.xlsx", rows), language="zh-hans")
    job_run(job_id=first.pk, worker="only")
    first_report, sheet = _report_of(first, tmp_path, "orders_错误.xlsx")
    assert [cell.value for cell in sheet[1]] == [*HEADER, "错误信息", "行号"]

    second = stored_import(operator, first_report, language="en")  # uploaded unchanged
    job_run(job_id=second.pk, worker="only")
    _path, sheet = _report_of(second, tmp_path, "orders_errors.xlsx")

    assert [cell.value for cell in sheet[1]] == [*HEADER, "Error message", "Row"]
    values = [cell.value for cell in sheet[2]]
    assert (values[COL["平台订单号"]], values[COL["商品编码"]]) == ("R-2", "NO-SUCH-SKU")
    assert "NO-SUCH-SKU" in values[len(HEADER)] and values[len(HEADER) + 1] == 2
    marked = [cell.column - 1 for cell in sheet[2] if cell.fill.fgColor.rgb == "FFFFFF00"]
    assert marked == [COL["商品编码"]]


@pytest.mark.parametrize(("language", "column"), [("en", "SKU code"), ("zh-hans", "商品编码")])
def test_the_error_table_and_report_name_columns_in_the_language_of_the_job(
    client, operator, tmp_path, language, column
):
    rows = [_line("R-1", "NO-SUCH-SKU")]  # the file's headers are Chinese
    job = stored_import(operator, write_xlsx(tmp_path / "orders.xlsx", rows), language=language)
    job_run(job_id=job.pk, worker="only")
    client.force_login(operator)

    table = client.get(reverse("job-errors", args=[job.pk]), headers={"accept-language": language})
    cells = [cell.strip() for cell in table.content.decode().split("<td")]
    assert any(f">{column}</td>" in cell for cell in cells), table.content.decode()
    other = "商品编码" if language == "en" else "SKU code"
    assert other not in table.content.decode()
    _path, sheet = _report_of(job, tmp_path, "report.xlsx")
    assert sheet.cell(2, len(HEADER) + 1).value.startswith(f"{column}: ")
