"""Import/export specs of stores and orders."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from basic.excel import SKU_CODE
from basic.filejobs.models import ImportMode
from basic.filejobs.sheets.cell_types import CHOICE, CODE, DATETIME, DECIMAL, INT, TEXT
from basic.filejobs.sheets.columns import Column
from basic.filejobs.sheets.fast_insert import insert_objects, insert_records
from basic.filejobs.sheets.specs import (
    ImportSpec,
    Row,
    keyset_batches,
    list_of_values,
    register,
)
from basic.filejobs.sheets.upsert import FlatModelSpec
from basic.models import LogisticsCompany, Product, Warehouse

from .models import Order, OrderItem, OrderStatus, Platform, Store, StoreStatus
from .money import line_amount, order_totals
from .selectors import store_not_yours, store_not_yours_reason, visible_stores


def _codes_to_ids(model, field: str, codes, cache: dict) -> dict:
    """code → id for ``codes``, asking the database only for codes not seen before."""
    missing = {code for code in codes if code and code not in cache}
    if missing:
        found = dict(model.objects.filter(**{f"{field}__in": missing}).values_list(field, "id"))
        for code in missing:
            cache[code] = found.get(code)
    return cache


def _visible_store_ids(ctx) -> set[int] | None:
    """Ids of the stores the importing user operates; None means all (superuser)."""
    if "visible_store_ids" not in ctx.cache:
        user = ctx.user
        ctx.cache["visible_store_ids"] = (
            None
            if user.is_superuser
            else set(visible_stores(user=user).values_list("id", flat=True))
        )
    return ctx.cache["visible_store_ids"]


@register
class StoreSpec(FlatModelSpec):
    kind = "store"
    label = gettext_lazy("Stores")
    description = gettext_lazy(
        "Online stores, one row per store; the store code identifies one. Stores you create "
        "are assigned to you."
    )
    model = Store
    key = ("code",)
    import_permissions = ("store.add_store", "store.change_store")
    export_permissions = ("store.view_store",)
    columns = (
        Column(
            "code",
            "店铺编码",
            CODE,
            aliases=("store_code",),
            example="TB001",
        ),
        Column(
            "name",
            "店铺名称",
            TEXT,
            aliases=("store_name", "店铺"),
            example="鲜果优选淘宝店",
        ),
        Column(
            "platform",
            "平台",
            CHOICE,
            choices=Platform,
            aliases=("渠道", "销售平台"),
            example="淘宝",
        ),
        Column(
            "status", "状态", CHOICE, choices=StoreStatus, aliases=("店铺状态",), example="营业中"
        ),
        Column("contact_name", "联系人", TEXT, example="王店长"),
        Column(
            "contact_phone",
            "联系电话",
            CODE,
            aliases=("电话", "手机号"),
            example="13800138000",
        ),
    )

    def validate(self, rows: list[Row], ctx) -> None:
        visible = _visible_store_ids(ctx)
        if visible is None:
            return
        code_column = self.columns_by_key["code"]
        ids = _codes_to_ids(
            Store, "code", [r.values.get("code") for r in rows], ctx.cache.setdefault("stores", {})
        )
        for row in rows:
            store_id = ids.get(row.values.get("code"))
            if store_id is not None and store_id not in visible:
                row.reject(
                    code_column,
                    store_not_yours(row.values["code"]),
                    row.values["code"],
                    reason=store_not_yours_reason(),
                )

    def after_write(self, *, created: list, updated: list, ctx) -> None:
        if ctx.user.is_superuser or not created:
            return
        stores = Store.objects.filter(code__in=[store["code"] for store in created])
        ctx.user.stores.add(*stores)
        ctx.cache.pop("visible_store_ids", None)


ORDER_FIELDS = (
    "status", "buyer_name", "buyer_phone", "province", "city", "district", "address",
    "freight", "ordered_at", "paid_at", "tracking_no", "remark",
)  # fmt: skip
LINES = "lines"  # a change of an order's lines, as a preview names it (count before, after)
REFERENCES = {
    "warehouse_code": ("warehouse_id", Warehouse),
    "logistics_code": ("logistics_id", LogisticsCompany),
}
REFERENCE_KEYS = {field: key for key, (field, _model) in REFERENCES.items()}


@register
class OrderSpec(ImportSpec):
    kind = "order"
    label = gettext_lazy("Orders")
    description = gettext_lazy(
        "Orders, one row per order line. Lines with the same store code and platform order "
        "number form one order; importing an order again replaces its lines. A line is "
        "identified by its line number (a platform's sub-order number), or by its position "
        "in the order when the file has none: the same SKU may be on several lines."
    )
    model = Order
    key = ("store_code", "platform_order_no", "line_no")
    group_by = ("store_code", "platform_order_no")
    field_models = (Order, OrderItem)
    import_permissions = ("store.add_order", "store.change_order")
    export_permissions = ("store.view_order",)
    columns = (
        Column(
            "store_code",
            "店铺编码",
            CODE,
            required=True,
            source=(Store, "code"),
            aliases=("店铺代码",),
            example="TB001",
        ),
        Column(
            "platform_order_no",
            "平台订单号",
            CODE,
            aliases=("订单号", "订单编号", "外部订单号", "order_no"),
            example="TB20261124000001",
        ),
        Column(
            "status", "订单状态", CHOICE, choices=OrderStatus, aliases=("状态",), example="已付款"
        ),
        Column(
            "buyer_name",
            "买家姓名",
            TEXT,
            aliases=("收货人", "收件人", "买家"),
            example="张三",
        ),
        Column(
            "buyer_phone",
            "买家电话",
            CODE,
            aliases=("收货人电话", "收件人电话", "手机号", "联系电话"),
            example="13800138000",
        ),
        Column("province", "省份", TEXT, aliases=("省",), example="上海市"),
        Column("city", "城市", TEXT, aliases=("市",), example="上海市"),
        Column("district", "区县", TEXT, aliases=("区", "县"), example="浦东新区"),
        Column(
            "address",
            "详细地址",
            TEXT,
            aliases=("地址", "收货地址"),
            example="张江路 88 号 3 楼",
        ),
        Column("freight", "运费", DECIMAL, minimum=0, aliases=("邮费",), example="6.00"),
        Column(
            "ordered_at",
            "下单时间",
            DATETIME,
            aliases=("创建时间", "订单时间"),
            example="2026-11-24 10:30:00",
        ),
        Column(
            "paid_at", "付款时间", DATETIME, aliases=("支付时间",), example="2026-11-24 10:31:00"
        ),
        Column(
            "warehouse_code",
            "仓库编码",
            CODE,
            source=(Warehouse, "code"),
            aliases=("发货仓库编码",),
            example="WH-SH",
        ),
        Column(
            "logistics_code",
            "物流公司编码",
            CODE,
            source=(LogisticsCompany, "code"),
            aliases=("快递公司编码", "承运商编码"),
            example="SF",
        ),
        Column(
            "tracking_no",
            "运单号",
            CODE,
            aliases=("快递单号", "物流单号"),
            example="SF1234567890",
        ),
        Column("remark", "备注", TEXT, aliases=("订单备注", "买家留言"), example=""),
        Column(
            "line_no",
            "子订单编号",
            CODE,
            aliases=("子订单号", "订单行号", "line_number", "sub_order_no"),
            example="1",
            help=gettext_lazy("Blank: the line's position within its order in the file."),
        ),
        SKU_CODE,
        Column(
            "product_name",
            "商品名称",
            TEXT,
            aliases=("名称", "品名"),
            example="赣南脐橙 5kg装",
        ),
        Column(
            "quantity",
            "数量",
            INT,
            required=True,  # the model has a default; a file must say
            minimum=0,
            aliases=("购买数量", "件数"),
            example=2,
        ),
        Column(
            "unit_price",
            "单价",
            DECIMAL,
            required=True,
            minimum=0,
            aliases=("价格", "商品单价", "售价"),
            example="59.90",
        ),
    )

    export_paths = {
        "store_code": "order__store__code",
        "warehouse_code": "order__warehouse__code",
        "logistics_code": "order__logistics__code",
        **{name: f"order__{name}" for name in ("platform_order_no", *ORDER_FIELDS)},
    }

    def export_count(self, listed) -> int:
        return OrderItem.objects.filter(order__in=listed.values("pk")).count()

    def export_values(self, listed, size):
        """One row per order line: the listed orders by keyset, then their lines by order id.

        Two indexed queries a batch; a join with the list's own query (an IN subquery)
        made MariaDB rescan it for every batch.
        """
        paths = [self.export_paths.get(column.key, column.key) for column in self.columns]
        for orders in keyset_batches(listed, size):
            lines = OrderItem.objects.filter(order_id__in=[pk for (pk,) in orders])
            yield list(lines.order_by("order_id", "pk").values_list(*paths))

    # Validation ---------------------------------------------------------------------------

    def change_label(self, key: str) -> str:
        return _("Order lines") if key == LINES else super().change_label(key)

    def offered_values(self, column: Column, user) -> list[str] | None:
        """A template lists the user's own stores: the others' would be refused."""
        if column.key == "store_code":
            return list_of_values(visible_stores(user=user), "code")
        return super().offered_values(column, user)

    def validate(self, rows: list[Row], ctx) -> None:
        cache = ctx.cache
        stores = _codes_to_ids(
            Store,
            "code",
            {r.values.get("store_code") for r in rows},
            cache.setdefault("stores", {}),
        )
        products = _codes_to_ids(
            Product,
            "sku_code",
            {r.values.get("sku_code") for r in rows},
            cache.setdefault("products", {}),
        )
        references = {
            key: _codes_to_ids(
                model, "code", {r.values.get(key) for r in rows}, cache.setdefault(key, {})
            )
            for key, (_field, model) in REFERENCES.items()
        }
        visible = _visible_store_ids(ctx)
        lines_seen = ctx.memory["order_lines"]
        column = self.columns_by_key
        for row in rows:
            values = row.values
            store_code = values.get("store_code")
            if store_code:
                store_id = stores.get(store_code)
                if store_id is None or (visible is not None and store_id not in visible):
                    row.reject(
                        column["store_code"],
                        store_not_yours(store_code),
                        store_code,
                        reason=store_not_yours_reason(),
                    )
            sku = values.get("sku_code")
            if sku and products.get(sku) is None:
                row.reject(
                    column["sku_code"],
                    _("unknown SKU code %(code)s") % {"code": sku},
                    sku,
                    reason=_("unknown SKU code"),
                )
            for key, codes in references.items():
                code = values.get(key)
                if code and codes.get(code) is None:
                    row.reject(
                        column[key],
                        _("unknown code %(code)s") % {"code": code},
                        code,
                        reason=_("unknown code"),
                    )
            if values.get("quantity") == 0:
                row.reject(column["quantity"], _("must be at least 1"), 0)
            line = self.key_of(row)
            if None not in line:  # a line numbered in the file: once per order
                first = lines_seen.first_row(line, row.number)
                if first != row.number:
                    row.reject(
                        column["line_no"],
                        _("line number %(line)s appears twice in this order (row %(row)s)")
                        % {"line": values["line_no"], "row": first},
                        values["line_no"],
                        reason=_("line number twice in one order"),
                    )

    # Writing ------------------------------------------------------------------------------

    def _order_values(self, row: Row, ctx) -> dict:
        values = row.values
        data = {name: values.get(name) for name in ORDER_FIELDS if name in ctx.present}
        for key, (field, _model) in REFERENCES.items():
            if key in ctx.present:
                data[field] = ctx.cache[key].get(values.get(key))
        for name in (
            "buyer_name",
            "buyer_phone",
            "province",
            "city",
            "district",
            "address",
            "tracking_no",
            "remark",
        ):
            if name in data and data[name] is None:
                data[name] = ""
        if data.get("status") is None:
            data.pop("status", None)
        if data.get("freight") is None and "freight" in data:
            data["freight"] = Decimal("0")
        return data

    def _lines(self, rows: list[Row], ctx, numbered_after: int = 0) -> list[tuple]:
        """The order's lines as stored; a line without a number gets its position in the
        order, counting the ``numbered_after`` lines already written by this job."""
        products = ctx.cache["products"]
        return [
            (
                row.values.get("line_no") or str(numbered_after + position),
                row.values["sku_code"],
                row.values.get("product_name") or "",
                row.values["quantity"],
                row.values["unit_price"],
                products.get(row.values["sku_code"]),
            )
            for position, row in enumerate(rows, 1)
        ]

    def write(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        stores = ctx.cache["stores"]
        groups: dict[tuple, list[Row]] = {}
        for row in rows:
            groups.setdefault(
                (stores[row.values["store_code"]], row.values["platform_order_no"]), []
            ).append(row)
        existing = self._existing_orders(groups)
        existing_lines = self._existing_lines([order.pk for order in existing.values()])
        written_before = ctx.memory["orders_written"]

        new_orders, changed_orders, replaced_ids, new_lines = [], [], [], []
        now = timezone.now()
        for key, group in groups.items():
            order = existing.get(key)
            appending = key in written_before
            before = len(existing_lines.get(order.pk, ())) if appending and order else 0
            lines = self._lines(group, ctx, numbered_after=before)
            values = self._order_values(group[0], ctx)
            if order is None:
                order = Order(store_id=key[0], platform_order_no=key[1], **values)
                new_orders.append(order)
                outcome = "created"
            elif ctx.mode == ImportMode.CREATE_ONLY and not appending:
                for row in group:
                    row.reject(
                        self.columns_by_key["platform_order_no"],
                        _("the order already exists"),
                        key[1],
                    )
                continue
            elif appending:
                outcome = "updated"
            else:
                changes = {
                    REFERENCE_KEYS.get(name, name): (getattr(order, name), value)
                    for name, value in values.items()
                    if getattr(order, name) != value
                }
                lines_changed = sorted(lines) != existing_lines.get(order.pk, [])
                if lines_changed:
                    changes[LINES] = (len(existing_lines.get(order.pk, ())), len(lines))
                for row in group:
                    row.changes = changes
                if not changes:
                    outcome = "unchanged"
                else:
                    outcome = "updated"
                    for name, value in values.items():
                        setattr(order, name, value)
                    order.updated_at = now
                    changed_orders.append(order)
                    if lines_changed:
                        replaced_ids.append(order.pk)
            for row in group:
                row.outcome = outcome
            if outcome != "unchanged":
                new_lines.append((order, lines, appending))
        if ctx.dry_run:  # only a preview shows its changes (basic.filejobs ImportSample)
            self._codes_in_changes(rows)
            return
        self._save(new_orders, changed_orders, replaced_ids, new_lines)

    def _codes_in_changes(self, rows: list[Row]) -> None:
        """A changed warehouse or carrier is named by its code, as the file names it."""
        for key, (_field, model) in REFERENCES.items():
            ids = {row.changes[key][0] for row in rows if key in row.changes} - {None}
            if not ids:
                continue
            codes = dict(model.objects.filter(pk__in=ids).values_list("pk", "code"))
            for row in rows:
                if key in row.changes:
                    old, _new = row.changes[key]
                    row.changes[key] = (codes.get(old, old), row.values.get(key))

    def _existing_orders(self, groups) -> dict[tuple, Order]:
        store_ids = {key[0] for key in groups}
        numbers = {key[1] for key in groups}
        orders = Order.objects.filter(store_id__in=store_ids, platform_order_no__in=numbers)
        return {
            (o.store_id, o.platform_order_no): o
            for o in orders
            if (o.store_id, o.platform_order_no) in groups
        }

    def _order_ids(self, keys: set[tuple]) -> dict[tuple, int]:
        rows = Order.objects.filter(
            store_id__in={key[0] for key in keys}, platform_order_no__in={key[1] for key in keys}
        ).values_list("store_id", "platform_order_no", "id")
        return {(store_id, number): pk for store_id, number, pk in rows}

    def _existing_lines(self, order_ids: list[int]) -> dict[int, list[tuple]]:
        lines: dict[int, list[tuple]] = {}
        rows = OrderItem.objects.filter(order_id__in=order_ids).values_list(
            "order_id",
            "line_no",
            "sku_code",
            "product_name",
            "quantity",
            "unit_price",
            "product_id",
        )
        for order_id, *line in rows:
            lines.setdefault(order_id, []).append(tuple(line))
        return {order_id: sorted(items) for order_id, items in lines.items()}

    def _save(self, new_orders, changed_orders, replaced_ids, new_lines) -> None:
        for order, lines, appending in new_lines:
            amounts = [line_amount(price, quantity) for *_line, quantity, price, _p in lines]
            if appending:  # the lines already written by this job count too
                amounts.append(order.goods_amount)
            order.goods_amount, order.total_amount = order_totals(amounts, order.freight)
        insert_objects(Order, new_orders)
        if new_orders:  # ids are read back by natural key: the same on every database
            ids = self._order_ids({(o.store_id, o.platform_order_no) for o in new_orders})
            for order in new_orders:
                order.pk = ids[(order.store_id, order.platform_order_no)]
        appended = [order for order, _lines, appending in new_lines if appending and order.pk]
        to_update = {order.pk: order for order in [*changed_orders, *appended]}
        if to_update:
            Order.objects.bulk_update(
                list(to_update.values()),
                [
                    *ORDER_FIELDS,
                    "warehouse_id",
                    "logistics_id",
                    "goods_amount",
                    "total_amount",
                    "updated_at",
                ],
            )
        if replaced_ids:
            OrderItem.objects.filter(order_id__in=replaced_ids).delete()
        insert_records(
            OrderItem,
            [
                {
                    "order_id": order.pk,
                    "line_no": line_no,
                    "sku_code": sku,
                    "product_name": name,
                    "quantity": quantity,
                    "unit_price": price,
                    "amount": line_amount(price, quantity),
                    "product_id": product_id,
                }
                for order, lines, _appending in new_lines
                for line_no, sku, name, quantity, price, product_id in lines
            ],
        )

    def written(self, rows: list[Row], ctx) -> None:
        """Orders this job wrote: a later line of one of them is added, not a re-import."""
        stores = ctx.cache["stores"]
        written = ctx.memory["orders_written"]
        for row in rows:
            written.add((stores[row.values["store_code"]], row.values["platform_order_no"]))
