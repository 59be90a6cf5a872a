"""An xlsx template's drop-down lists and input messages: what the import accepts from its
user, read back by openpyxl and by LibreOffice, and a row picked from the lists imports."""

import io
import shutil
import subprocess

import openpyxl
import pytest
from django.urls import reverse

from basic.filejobs.models import JobStatus
from basic.filejobs.runner import job_run
from store.models import Order, OrderStatus
from tests.conftest import skip_unless_required
from tests.job_helpers import SKUS, stored_import

pytestmark = pytest.mark.django_db

LIST_COLUMNS = ("store_code", "status", "warehouse_code", "logistics_code")


def order_template(client, language="zh-hans") -> bytes:
    response = client.get(
        reverse("api-template", args=["order", "xlsx"]), headers={"accept-language": language}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def lists_by_key(book) -> dict[str, list[str]]:
    """Each validated column of the first sheet (by its key, from the help sheet): the
    values its drop-down list offers, read from the range the validation names."""
    sheet, notes = book.worksheets[:2]
    key_of = {row[0].value: row[1].value for row in notes.iter_rows(min_row=2) if row[1].value}
    offered = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type != "list":
            continue
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        title, ref = validation.formula1.rsplit("!", 1)
        values = book[title.strip("'")][ref.replace("$", "")]
        key = key_of[sheet[f"{column}1"].value]
        offered[key] = [row[0].value for row in values]
    return offered


def prompts(book) -> dict[str, str]:
    sheet = book.worksheets[0]
    return {
        str(v.sqref).split(":")[0].rstrip("0123456789"): v.prompt
        for v in sheet.data_validations.dataValidation
        if v.showInputMessage
    }


def test_the_lists_offer_what_the_import_accepts_from_this_user(client, operator):
    client.force_login(operator)
    book = openpyxl.load_workbook(io.BytesIO(order_template(client)))

    offered = lists_by_key(book)
    assert sorted(offered) == sorted(LIST_COLUMNS)
    assert offered["store_code"] == ["A001", "B001"]  # not C001: not the operator's store
    assert offered["status"] == [str(label) for _value, label in OrderStatus.choices]
    assert offered["warehouse_code"] == ["WH-SH"] and offered["logistics_code"] == ["SF"]
    assert book.worksheets[2].sheet_state == "hidden"  # the lists' sheet
    assert len(prompts(book)) == book.worksheets[0].max_column  # every column explains itself


def test_an_english_template_lists_the_english_labels(client, operator):
    client.force_login(operator)
    book = openpyxl.load_workbook(io.BytesIO(order_template(client, language="en")))

    assert lists_by_key(book)["status"][:2] == ["Pending payment", "Paid"]
    assert "Blank: the line's position within its order in the file." in prompts(book).values()


def test_a_superuser_is_offered_every_store(admin_client, catalogue):
    book = openpyxl.load_workbook(io.BytesIO(order_template(admin_client)))

    assert lists_by_key(book)["store_code"] == ["A001", "B001", "C001"]


@pytest.mark.django_db(transaction=True)
def test_a_row_picked_from_the_lists_imports(client, operator, tmp_path):
    client.force_login(operator)
    book = openpyxl.load_workbook(io.BytesIO(order_template(client)))
    offered = lists_by_key(book)
    sheet, notes = book.worksheets[:2]
    key_of = {row[0].value: row[1].value for row in notes.iter_rows(min_row=2) if row[1].value}
    typed = {"platform_order_no": "P-1", "sku_code": SKUS[0], "quantity": 2, "unit_price": 9.9}
    picked = {key: values[-1] for key, values in offered.items()}
    sheet.append([{**typed, **picked}.get(key_of[cell.value]) for cell in sheet[1]])
    path = tmp_path / "picked.xlsx"
    book.save(path)

    job = stored_import(operator, path)
    job_run(job_id=job.pk, worker="test")

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and (job.created, job.failed) == (1, 0), job.message
    order = Order.objects.get(platform_order_no="P-1")
    assert order.store.code == "B001" and order.status == OrderStatus.values[-1]


@pytest.mark.database_neutral
def test_libreoffice_reads_the_lists_and_the_messages(client, operator, tmp_path):
    """LibreOffice opens the template and saves it again with the same validations."""
    if shutil.which("soffice") is None:
        skip_unless_required("LibreOffice (soffice) is not installed")
    client.force_login(operator)
    source = tmp_path / "template.xlsx"
    source.write_bytes(order_template(client))
    converted = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"),
         str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr

    book = openpyxl.load_workbook(tmp_path / "out" / "template.xlsx")
    offered = lists_by_key(book)
    assert offered["store_code"] == ["A001", "B001"]
    assert offered["status"] == [str(label) for _value, label in OrderStatus.choices]
    assert book.worksheets[2].sheet_state == "hidden"
    assert prompts(book)  # the input messages survived too
