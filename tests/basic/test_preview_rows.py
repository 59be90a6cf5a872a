"""A validation is a preview: the first rows of each outcome, and for a row that would
update, every value it would change (stored → new), on its page and in the API."""

import pytest
from django.urls import reverse

from basic.filejobs.models import ImportMode, ImportSample
from basic.filejobs.runner import job_run
from basic.models import Product
from store.models import Order, OrderStatus
from tests.basic.test_import_parts import small_sizes  # noqa: F401 (fixture)
from tests.factories import ProductFactory
from tests.job_helpers import SKUS, stored_import
from tests.order_files import HEADER, order_sheet, write_csv, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)
PRODUCT_HEADER = ["商品编码", "商品名称", "售价"]


def previewed(user, path, kind="order"):
    job = stored_import(user, path, kind=kind, mode=ImportMode.VALIDATE_ONLY, language="zh-hans")
    job_run(job_id=job.pk, worker="test")
    job.refresh_from_db()
    return job


def detail(client, job) -> dict:
    return client.get(reverse("api-job-detail", args=[job.pk])).json()


def by_outcome(answer: dict) -> dict[str, list[dict]]:
    return {group["outcome"]: group["rows"] for group in answer["preview_rows"]}


def test_a_preview_lists_rows_by_outcome_with_what_would_change(admin_client, admin_user, tmp_path):
    ProductFactory(sku_code="SKU-OLD", name="旧名", price="10.00")
    ProductFactory(sku_code="SKU-SAME", name="不变", price="5.00")
    rows = [["SKU-OLD", "新名", "12.50"], ["SKU-SAME", "不变", "5.00"], ["SKU-NEW", "新品", "1"]]
    path = write_csv(tmp_path / "p.csv", rows, header=PRODUCT_HEADER)

    job = previewed(admin_user, path, kind="product")

    assert (job.created, job.updated, job.unchanged) == (1, 1, 1)
    assert Product.objects.get(sku_code="SKU-OLD").price == 10  # nothing was written
    answer = detail(admin_client, job)
    shown = by_outcome(answer)
    assert [group["outcome"] for group in answer["preview_rows"]] == [
        "created",
        "updated",
        "unchanged",
    ]
    assert shown["created"] == [{"row": 4, "key": "SKU-NEW", "changes": []}]
    assert shown["updated"] == [
        {
            "row": 2,
            "key": "SKU-OLD",
            "changes": [
                {"column": "商品名称", "old": "旧名", "new": "新名"},
                {"column": "售价", "old": "10.00", "new": "12.50"},
            ],
        }
    ]
    assert shown["unchanged"][0]["key"] == "SKU-SAME"
    page = admin_client.get(reverse("job-page", args=[job.pk])).content.decode()
    assert "旧名 → 新名" in page and "10.00 → 12.50" in page


def test_a_preview_keeps_the_first_rows_of_each_outcome_only(admin_client, admin_user, tmp_path):
    rows = [[f"SKU-{n:03d}", f"新品{n}", "1"] for n in range(25)]
    path = write_csv(tmp_path / "p.csv", rows, header=PRODUCT_HEADER)

    job = previewed(admin_user, path, kind="product")

    created = by_outcome(detail(admin_client, job))["created"]
    assert job.created == 25
    assert [row["row"] for row in created] == list(range(2, 2 + 10))


def test_an_order_preview_names_its_changes_in_the_users_words(client, operator, tmp_path):
    rows = order_sheet(3, stores=["A001"], skus=SKUS).rows
    first = [row for row in rows if row[1] == rows[0][1]]
    job_run(job_id=stored_import(operator, write_xlsx(tmp_path / "o.xlsx", first)).pk, worker="t")
    changed = [list(row) for row in first]
    changed[0][HEADER.index("订单状态")] = "已发货"
    changed.append([*changed[0][:16], SKUS[-1], "加一行", 1, "1.00"])

    job = previewed(operator, write_xlsx(tmp_path / "changed.xlsx", changed))

    assert Order.objects.get().status == OrderStatus.PAID  # a preview writes nothing
    client.force_login(operator)
    updated = by_outcome(detail(client, job))["updated"]
    changes = {change["column"]: (change["old"], change["new"]) for change in updated[0]["changes"]}
    assert changes["订单状态"] == ("已付款", "已发货")
    assert changes["订单行"] == (str(len(first)), str(len(first) + 1))


def test_an_import_that_writes_keeps_no_preview(admin_client, admin_user, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["SKU-X", "新品", "1"]], header=PRODUCT_HEADER)
    job = stored_import(admin_user, path, kind="product")
    job_run(job_id=job.pk, worker="test")

    assert detail(admin_client, job)["preview_rows"] is None
    assert not ImportSample.objects.exists()


@pytest.mark.usefixtures("small_sizes")
def test_a_preview_in_parts_keeps_the_same_share(admin_client, operator, tmp_path):
    path = write_xlsx(tmp_path / "o.xlsx", order_sheet(600, stores=["A001"], skus=SKUS).rows)

    job = previewed(operator, path)

    assert job.parts.count() > 1 and job.created == 600
    rows = by_outcome(detail(admin_client, job))["created"]
    assert len(rows) == ImportSample.SAMPLES_PER_OUTCOME
