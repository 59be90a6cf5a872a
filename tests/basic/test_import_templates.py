"""Every kind: download its template, fill it in, import it with a real worker."""

import io

import openpyxl
import pytest
import xlrd
from django.urls import reverse
from django.utils.http import content_disposition_header

from basic.filejobs.models import JobStatus
from basic.filejobs.runner import job_run
from basic.models import LogisticsCompany, Product, Warehouse
from store.models import Order, Store
from tests.factories import ProductFactory, StoreFactory
from tests.job_helpers import stored_import, upload, wait_for
from user.models import User

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# A row per kind, typed the way people type: keys of the template's columns.
EXTRA_ROW = {
    "product": {"sku_code": "SKU-NEW", "name": "库尔勒香梨", "price": "¥1,288.00", "status": "停用"},
    "warehouse": {"code": "WH-GZ", "name": "广州仓", "status": "inactive"},
    "logistics": {"code": "ZTO", "name": "中通快递"},
    "store": {"code": "JD009", "name": "京东店", "platform": "京东", "contact_phone": 13800138000.0},
    "order": {"store_code": "TB001", "platform_order_no": "NEW-1", "sku_code": "SKU0001",
              "quantity": "２", "unit_price": "59.9", "ordered_at": "2026年11月24日 10:30"},
    "user": {"username": "lisi", "display_name": "李四", "store_codes": "TB001；JD009", "groups": "客服",
             "is_active": "否"},
}  # fmt: skip


def _check_created(kind):
    checks = {
        "product": lambda: (
            Product.objects.get(sku_code="SKU-NEW").price == 1288
            and Product.objects.get(sku_code="SKU-NEW").status == "inactive"
            and Product.objects.filter(sku_code="SKU0001").exists()
        ),
        "warehouse": lambda: Warehouse.objects.filter(code="WH-GZ").exists(),
        "logistics": lambda: LogisticsCompany.objects.filter(code="ZTO").exists(),
        "store": lambda: (
            Store.objects.get(code="JD009").contact_phone == "13800138000"
            and Store.objects.get(code="JD009").platform == "jd"
        ),
        "order": lambda: (
            Order.objects.get(platform_order_no="NEW-1").items.get().quantity == 2
            and Order.objects.count() == 1
        ),
        "user": lambda: (
            not User.objects.get(username="lisi").is_active
            and set(User.objects.get(username="lisi").stores.values_list("code", flat=True))
            == {"TB001", "JD009"}
            and not User.objects.get(username="lisi").has_usable_password()
        ),
    }
    return checks[kind]()


@pytest.fixture
def references(roles):
    StoreFactory(code="TB001")
    StoreFactory(code="JD009", platform="jd")
    ProductFactory(sku_code="SKU0001")
    Warehouse.objects.create(code="WH-SH", name="上海仓")
    LogisticsCompany.objects.create(code="SF", name="顺丰")


def template(client, kind, file_format="xlsx", language="zh-hans") -> bytes:
    response = client.get(
        reverse("api-template", args=[kind, file_format]), headers={"accept-language": language}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# The first headers of each kind's template, as a user of each language reads them.
FIRST_HEADERS = {
    "zh-hans": {
        "order": ["店铺编码 *", "平台订单号 *", "订单状态"],
        "user": ["用户名 *", "姓名", "手机号", "邮箱", "负责店铺", "角色", "是否启用"],
    },
    "en": {
        "order": ["Store code *", "Platform order number *", "Status"],
        "user": [
            "Username *",
            "Display name",
            "Phone",
            "Email address",
            "Stores",
            "Roles",
            "Active",
        ],
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", list(EXTRA_ROW))
def test_filled_xlsx_template_imports(
    kind, language, admin_client, references, celery_worker, tmp_path
):
    book = openpyxl.load_workbook(io.BytesIO(template(admin_client, kind, language=language)))
    sheet, notes = book.worksheets[:2]
    keys_by_header = {row[0].value: row[1].value for row in notes.iter_rows(min_row=2)}
    headers = [cell.value for cell in sheet[1]]
    first = FIRST_HEADERS[language].get(kind)
    assert first is None or headers[: len(first)] == first
    sheet.append([EXTRA_ROW[kind].get(keys_by_header[header]) for header in headers])
    path = tmp_path / f"{kind}.xlsx"
    book.save(path)

    job = wait_for(upload(admin_client, path, kind=kind, language=language))

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.failed == 0, list(job.row_errors.values_list("problems", flat=True))
    assert job.processed == job.created + job.updated == 1  # the filled row, no example
    assert _check_created(kind)


def test_xls_template_has_songti_header_and_explains_columns(admin_client, references):
    response = admin_client.get(reverse("api-template", args=["order", "xls"]))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    book = xlrd.open_workbook(
        file_contents=b"".join(response.streaming_content), formatting_info=True
    )
    sheet, notes = book.sheets()
    assert sheet.row_values(0)[:3] == ["店铺编码 *", "平台订单号 *", "订单状态"]
    assert sheet.nrows == 1  # the header alone
    assert book.font_list[book.xf_list[sheet.cell_xf_index(0, 0)].font_index].name == "宋体"
    explained = {notes.cell_value(r, 1): notes.row_values(r) for r in range(1, notes.nrows)}
    assert explained["platform_order_no"][:3] == ["平台订单号 *", "platform_order_no", "是"]
    assert explained["remark"][:3] == ["备注", "remark", "否"]
    assert explained["platform_order_no"][6] == "TB20261124000001"  # the example
    notes_text = [notes.cell_value(r, 0) for r in range(notes.nrows)]
    assert any(text.startswith("列名以 * 结尾的列为必填") for text in notes_text)


def test_xlsx_template_has_a_styled_header_that_stays_in_view(admin_client):
    sheet, notes = openpyxl.load_workbook(io.BytesIO(template(admin_client, "order"))).worksheets[
        :2
    ]
    assert sheet.freeze_panes == "A2"  # the header row stays in view
    assert notes.freeze_panes is None
    for cell in [*sheet[1], *notes[1]]:
        assert (cell.font.b, cell.font.name) == (True, "宋体"), cell.coordinate
        assert cell.fill.fgColor.rgb == "FFC0C0C0", cell.coordinate
        assert cell.border.left.style == cell.border.bottom.style == "thin", cell.coordinate
        assert cell.alignment.horizontal == "center", cell.coordinate
    assert not notes["A2"].font.b and notes["A2"].fill.fill_type is None
    # "店铺编码 *" is 10 characters wide, and 4 more to type in; the help sheet's are 22
    assert _widths(sheet)[1] == 14
    assert list(_widths(notes).values()) == [22] * 7


def _widths(sheet) -> dict[int, int]:
    """Column number → its width in whole characters (Excel adds some padding)."""
    return {
        number: int(dimension.width)
        for dimension in sheet.column_dimensions.values()
        for number in range(dimension.min, dimension.max + 1)
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("file_format", ["xlsx", "xls"])
@pytest.mark.parametrize("kind", ["order", "product", "user"])
def test_a_template_uploaded_unchanged_imports_nothing(
    kind, file_format, language, admin_user, admin_client, references, tmp_path
):
    path = tmp_path / f"{kind}_template.{file_format}"
    path.write_bytes(template(admin_client, kind, file_format, language=language))
    before = (Order.objects.count(), Product.objects.count(), User.objects.count())

    job = stored_import(admin_user, path, kind=kind, language=language)
    job_run(job_id=job.pk, worker="only")

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.processed, job.created, job.failed) == (0, 0, 0)
    expected = {"en": "The file has no data rows under its header", "zh-hans": "没有数据行"}
    assert expected[language] in job.message
    assert (Order.objects.count(), Product.objects.count(), User.objects.count()) == before


@pytest.mark.parametrize("file_format", ["xlsx", "xls"])
def test_the_help_sheet_gives_each_example_and_says_what_the_mark_means(admin_client, file_format):
    content = template(admin_client, "order", file_format, language="en")
    if file_format == "xlsx":
        sheet, notes = openpyxl.load_workbook(io.BytesIO(content)).worksheets[:2]
        assert sheet.max_row == 1
        rows = [[cell.value or "" for cell in row] for row in notes.iter_rows()]
    else:
        book = xlrd.open_workbook(file_contents=content)
        assert book.sheet_by_index(0).nrows == 1
        notes = book.sheet_by_index(1)
        rows = [notes.row_values(r) for r in range(notes.nrows)]
    assert rows[0][6] == "Example"
    explained = {row[1]: row for row in rows[1:]}
    assert explained["platform_order_no"][0] == "Platform order number *"
    assert explained["platform_order_no"][6] == "TB20261124000001"
    assert explained["quantity"][6] == "2" and explained["remark"][6] == ""
    notes_text = " ".join(row[0] for row in rows if not row[1])
    assert "ends in * is required" in notes_text and "examples are not imported" in notes_text


def test_headers_marked_required_with_a_star_match_their_columns(admin_user, references, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "*店铺编码,Platform order number *,SKU code*,数量 *,unit_price *\n"
        "TB001,STAR-1,SKU0001,2,59.9\n",
        encoding="utf-8",
    )
    job = stored_import(admin_user, path)
    job_run(job_id=job.pk, worker="only")

    job.refresh_from_db()
    assert (job.status, job.created, job.failed) == (JobStatus.SUCCEEDED, 1, 0), job.message
    assert Order.objects.get(platform_order_no="STAR-1").items.get().quantity == 2


@pytest.mark.parametrize("file_format", ["xlsx", "xls"])
def test_the_english_help_sheet_names_each_column_apart_from_its_key(admin_client, file_format):
    content = template(admin_client, "order", file_format, language="en")
    if file_format == "xlsx":
        notes = openpyxl.load_workbook(io.BytesIO(content)).worksheets[1]
        rows = [[cell.value for cell in row] for row in notes.iter_rows()]
    else:
        notes = xlrd.open_workbook(file_contents=content).sheet_by_index(1)
        rows = [notes.row_values(r) for r in range(notes.nrows)]
    assert rows[0][:3] == ["Column", "Key", "Required"]
    explained = {row[1]: row for row in rows[1:] if row[1]}
    assert explained["store_code"][0] == "Store code *"  # required
    assert explained["warehouse_code"][0] == "Warehouse code"
    assert explained["logistics_code"][0] == "Carrier code"
    assert all(row[0] != key for key, row in explained.items())
    assert "仓库编码" in explained["warehouse_code"][5].split("、")  # also accepted as


@pytest.mark.parametrize(
    ("language", "filename"), [("zh-hans", "订单_模板.xlsx"), ("en", "Orders_template.xlsx")]
)
def test_a_template_is_named_in_one_language(admin_client, language, filename):
    response = admin_client.get(
        reverse("api-template", args=["order", "xlsx"]), headers={"accept-language": language}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == content_disposition_header(True, filename)
