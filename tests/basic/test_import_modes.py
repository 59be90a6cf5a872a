"""Create only, for every kind: new rows are created, a row whose key exists is rejected
and what is stored under that key stays as it was."""

import csv

import pytest
from django.utils import translation

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.runner import job_run
from basic.filejobs.sheets.specs import get_spec
from basic.models import LogisticsCompany, Product, Warehouse
from store.models import Order, Store
from tests.factories import UserFactory
from tests.job_helpers import stored_import
from user.models import User

# kind: (the model holding the key, its lookup for the example row, the field changed)
KINDS = {
    "product": (Product, {"sku_code": "SKU0001"}, "name"),
    "warehouse": (Warehouse, {"code": "WH-SH"}, "name"),
    "logistics": (LogisticsCompany, {"code": "SF"}, "name"),
    "store": (Store, {"code": "TB001"}, "name"),
    "order": (Order, {"platform_order_no": "TB20261124000001"}, "buyer_name"),
    "user": (User, {"username": "zhangsan"}, "first_name"),
}
# The example column that names the row, and the one changed by the second file.
KEY_AND_CHANGED = {
    "product": ("商品编码", "商品名称"),
    "warehouse": ("仓库编码", "仓库名称"),
    "logistics": ("物流公司编码", "物流公司名称"),
    "store": ("店铺编码", "店铺名称"),
    "order": ("平台订单号", "买家姓名"),
    "user": ("用户名", "姓名"),
}


def example_rows(kind: str) -> tuple[list[str], list[str]]:
    columns = get_spec(kind).columns
    return [c.header for c in columns], [
        "" if c.example is None else str(c.example) for c in columns
    ]


def run(user, tmp_path, kind: str, rows: list[list[str]], mode: str) -> FileJob:
    path = tmp_path / f"{kind}-{mode}.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    job = stored_import(user, path, kind=kind, mode=mode)
    job_run(job_id=job.pk, worker="test")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    return job


@pytest.fixture
def references(roles):
    """What the example rows refer to: store TB001 (for orders), SKU0001, WH-SH, SF."""
    Store.objects.create(code="TB001", name="鲜果优选淘宝店", platform="taobao")
    Product.objects.create(sku_code="SKU0001", name="赣南脐橙 5kg装")
    Warehouse.objects.create(code="WH-SH", name="上海嘉定仓")
    LogisticsCompany.objects.create(code="SF", name="顺丰速运")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_create_only_creates_new_rows_and_rejects_existing_keys(kind, tmp_path, references):
    admin = UserFactory(is_superuser=True, is_staff=True)
    model, lookup, field = KINDS[kind]
    header, example = example_rows(kind)
    key_column, changed_column = (header.index(name) for name in KEY_AND_CHANGED[kind])
    model.objects.filter(**lookup).delete()  # the example row's key is new at first
    first = run(admin, tmp_path, kind, [header, example], "create_or_update")
    assert first.created == 1, first.message
    before = getattr(model.objects.get(**lookup), field)

    changed = list(example)
    changed[changed_column] = "改过的名字"
    new = list(example)
    new[key_column] = f"{example[key_column]}9"
    job = run(admin, tmp_path, kind, [header, changed, new], "create_only")

    assert (job.created, job.updated, job.failed) == (1, 0, 1)
    problems = job.row_errors.get().problems
    with translation.override("en"):  # the job's language
        named = get_spec(kind).columns[key_column].shown_header()
    assert [p["header"] for p in problems] == [named]
    assert "already exists" in problems[0]["message"]
    assert getattr(model.objects.get(**lookup), field) == before
    assert model.objects.filter(**{next(iter(lookup)): new[key_column]}).exists()
