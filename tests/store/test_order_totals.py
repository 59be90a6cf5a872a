"""An order's goods amount and total follow its lines on every path that writes them.

The admin is driven as a browser would: the change form is read back from the page, one
field changed, and the whole form posted.
"""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from basic.filejobs.models import FileJob
from basic.filejobs.pipeline import imports
from basic.filejobs.runner import job_run
from store.models import Order, OrderItem
from tests.factories import OrderFactory, OrderItemFactory
from tests.job_helpers import SKUS, stored_import
from tests.order_files import COL, HEADER, write_xlsx


class _FormFields(HTMLParser):
    """The name → value pairs a browser would submit from the form ``form_id``."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio"):
                self.fields[attrs["name"]] = attrs.get("value", "")
            elif "checked" in attrs:
                self.fields[attrs["name"]] = attrs.get("value", "on")
        elif tag == "select":
            self._select = attrs["name"]
            self.fields.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def submit(client, url: str, form_id: str, **changes) -> None:
    """Open `url`'s change form, change some fields and save it; the page must accept it."""
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormFields(form_id)
    parser.feed(page.content.decode())
    saved(client.post(url, {**parser.fields, **changes}))


def saved(response) -> None:
    """The admin saved the form (it redirects); else its errors are the failure's message."""
    if response.status_code != 302:
        context = response.context
        errors = [context["adminform"].form.errors] if "adminform" in context else []
        errors += [f.formset.errors for f in context.get("inline_admin_formsets", [])]
        pytest.fail(f"the admin refused the form: {errors}")


def totals(order) -> tuple[Decimal, Decimal]:
    order = Order.objects.get(pk=order.pk)
    return order.goods_amount, order.total_amount


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def order():
    """Freight 6.00; lines 2 × 10.00 and 1 × 5.50: goods 25.50, total 31.50."""
    order = OrderFactory(freight=Decimal("6.00"))
    OrderItemFactory(order=order, sku_code="SKU-A", quantity=2, unit_price=Decimal("10.00"))
    OrderItemFactory(order=order, sku_code="SKU-B", quantity=1, unit_price=Decimal("5.50"))
    order.recalculate_totals()
    order.save()
    assert totals(order) == (Decimal("25.50"), Decimal("31.50"))
    return order


def line(order, sku: str) -> OrderItem:
    return order.items.get(sku_code=sku)


pytestmark = pytest.mark.django_db


def test_a_line_changed_on_its_own_admin_page_changes_its_orders_totals(admin_client, order):
    url = reverse("admin:store_orderitem_change", args=[line(order, "SKU-A").pk])
    submit(admin_client, url, "orderitem_form", quantity="3")
    assert totals(order) == (Decimal("35.50"), Decimal("41.50"))


def test_a_line_moved_to_another_order_changes_both_orders(admin_client, order):
    other = OrderFactory(store=order.store, freight=Decimal("0"))
    url = reverse("admin:store_orderitem_change", args=[line(order, "SKU-B").pk])
    submit(admin_client, url, "orderitem_form", order=str(other.pk))
    assert totals(order) == (Decimal("20.00"), Decimal("26.00"))
    assert totals(other) == (Decimal("5.50"), Decimal("5.50"))


def test_a_line_deleted_on_its_admin_page_leaves_its_order_with_the_rest(admin_client, order):
    url = reverse("admin:store_orderitem_delete", args=[line(order, "SKU-A").pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert totals(order) == (Decimal("5.50"), Decimal("11.50"))


def test_lines_deleted_together_from_the_list_change_each_of_their_orders(admin_client, order):
    other = OrderFactory(store=order.store, freight=Decimal("1.00"))
    OrderItemFactory(order=other, quantity=4, unit_price=Decimal("2.00"))
    doomed = [line(order, "SKU-B").pk, *other.items.values_list("pk", flat=True)]
    response = admin_client.post(
        reverse("admin:store_orderitem_changelist"),
        {"action": "delete_selected", "_selected_action": doomed, "post": "yes"},
    )
    assert response.status_code == 302
    assert OrderItem.objects.filter(pk__in=doomed).count() == 0
    assert totals(order) == (Decimal("20.00"), Decimal("26.00"))
    assert totals(other) == (Decimal("0"), Decimal("1.00"))


def test_lines_edited_and_deleted_on_the_order_page_and_a_new_freight_give_new_totals(
    admin_client, order
):
    url = reverse("admin:store_order_change", args=[order.pk])
    page = admin_client.get(url).content.decode()
    parser = _FormFields("order_form")
    parser.feed(page)
    fields = parser.fields
    rows = {fields[f"items-{n}-sku_code"]: n for n in range(2)}
    changes = {
        "freight": "8.00",
        f"items-{rows['SKU-A']}-quantity": "5",
        f"items-{rows['SKU-B']}-DELETE": "on",
    }
    saved(admin_client.post(url, {**fields, **changes}))
    assert list(order.items.values_list("sku_code", flat=True)) == ["SKU-A"]
    assert totals(order) == (Decimal("50.00"), Decimal("58.00"))


def _order_line(store: str, number: str, sku: str, quantity: int, price: str) -> list:
    row = [None] * len(HEADER)
    cells = {"店铺编码": store, "平台订单号": number, "运费": "6.00", "商品编码": sku,
             "数量": quantity, "单价": price}  # fmt: skip
    for name, value in cells.items():
        row[COL[name]] = value
    return row


@pytest.mark.django_db(transaction=True)
def test_an_import_gives_each_order_the_totals_of_all_its_lines_across_chunks(
    operator, monkeypatch, settings, tmp_path
):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 1)  # the third line comes in a later chunk
    settings.IMPORT_SPLIT_ROWS = 10**9
    rows = [
        _order_line("A001", "T-1", SKUS[0], 2, "10.00"),
        _order_line("A001", "T-2", SKUS[1], 1, "3.00"),
        _order_line("A001", "T-1", SKUS[2], 1, "5.50"),
    ]
    job = stored_import(operator, write_xlsx(tmp_path / "orders.xlsx", rows))
    job_run(job_id=job.pk, worker="only")
    assert FileJob.objects.get(pk=job.pk).created == 2
    first, second = Order.objects.order_by("platform_order_no")
    assert totals(first) == (Decimal("25.50"), Decimal("31.50"))
    assert totals(second) == (Decimal("3.00"), Decimal("9.00"))
    amounts = sorted(first.items.values_list("amount", flat=True))
    assert amounts == [Decimal("5.50"), Decimal("20.00")]


def test_a_gift_line_added_on_the_order_page_gets_the_next_line_number(admin_client, order):
    url = reverse("admin:store_order_change", args=[order.pk])
    parser = _FormFields("order_form")
    parser.feed(admin_client.get(url).content.decode())
    fields = parser.fields
    new = {  # the same SKU again, free: a second line, not a duplicate
        "items-TOTAL_FORMS": "3",
        "items-2-order": str(order.pk),
        "items-2-sku_code": "SKU-A",
        "items-2-quantity": "1",
        "items-2-unit_price": "0.00",
    }
    saved(admin_client.post(url, {**fields, **new}))
    lines = order.items.order_by("line_no").values_list("line_no", "sku_code", "unit_price")
    assert [(n, sku) for n, sku, _price in lines] == [
        ("1", "SKU-A"),
        ("2", "SKU-B"),
        ("3", "SKU-A"),
    ]
    assert totals(order) == (Decimal("25.50"), Decimal("31.50"))
