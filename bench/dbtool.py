"""Database chores of the bench, run in their own process: ``python -m bench.dbtool CMD``.

``setup``: create the MySQL database if needed, migrate, create the ``bench`` superuser and
seed the reference data (stores, warehouses, carriers, 2,000 products).
``reset``: back to the seeded state (orders, extra products and jobs removed).
``add-lines N``: append order lines with raw ``executemany`` until the database holds N.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from bench import data
from bench.django_side import PASSWORD, USERNAME, emit, setup

INSERT_BATCH = 5000


def _create_mysql_database(url: str) -> None:
    """CREATE DATABASE IF NOT EXISTS (utf8mb4), before Django connects to it."""
    import pymysql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE DATABASE IF NOT EXISTS `{name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
    finally:
        connection.close()


def _seed_products() -> None:
    from basic.models import Product

    rng = random.Random(data.SEED)
    Product.objects.bulk_create(
        [
            Product(
                sku_code=sku,
                name=f"基准商品{sku}",
                price=Decimal(rng.randint(100, 30000)) / 100,
                cost=Decimal("1.00"),
            )
            for sku in data.SEED_SKUS
        ],
        batch_size=500,
    )


def cmd_setup() -> dict:
    url = os.environ.get("OMS_DATABASE_URL", "")
    if url.startswith("mysql://"):
        _create_mysql_database(url)
    setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from basic.models import LogisticsCompany, Warehouse
    from store.models import Store

    call_command("migrate", interactive=False, verbosity=0)
    cmd_reset()
    User = get_user_model()
    if not User.objects.filter(username=USERNAME).exists():
        User.objects.create_superuser(USERNAME, "bench@example.com", PASSWORD)
    Store.objects.all().delete()
    Warehouse.objects.all().delete()
    LogisticsCompany.objects.all().delete()
    Store.objects.bulk_create(
        [Store(code=code, name=name, platform=platform) for code, name, platform in data.STORES]
    )
    Warehouse.objects.bulk_create([Warehouse(code=c, name=n) for c, n in data.WAREHOUSES])
    LogisticsCompany.objects.bulk_create(
        [LogisticsCompany(code=c, name=n) for c, n in data.CARRIERS]
    )
    return {"ok": True, "version": _server_version()}


def _server_version() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        return f"{connection.vendor} {cursor.fetchone()[0]}"


def _tables() -> list[str]:
    from basic.filejobs.models import FileJob, ImportPart, ImportRowError
    from basic.models import Product
    from store.models import Order, OrderItem

    models = (ImportRowError, ImportPart, FileJob, OrderItem, Order, Product)
    return [m._meta.db_table for m in models]


def cmd_reset() -> dict:
    """Empty the tables an import or export writes, then seed the 2,000 products again."""
    setup()
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("SET FOREIGN_KEY_CHECKS=0")
            for table in _tables():
                cursor.execute(f"TRUNCATE TABLE {quote(table)}")
            cursor.execute("SET FOREIGN_KEY_CHECKS=1")
        else:
            for table in _tables():
                cursor.execute(f"DELETE FROM {quote(table)}")
    _seed_products()
    return {"ok": True}


def _line_batches(need: int, first_order: int, first_order_id: int, first_item_id: int):
    """(orders, items) batches of raw column tuples for ``need`` more order lines."""
    from django.db import connection

    from basic.models import LogisticsCompany, Product, Warehouse
    from store.models import Store

    ops = connection.ops
    stores = list(Store.objects.order_by("code").values_list("id", flat=True))
    products = list(Product.objects.order_by("sku_code").values_list("id", "sku_code", "name"))
    warehouses = list(Warehouse.objects.values_list("id", flat=True))
    carriers = list(LogisticsCompany.objects.values_list("id", flat=True))
    rng = random.Random(data.SEED + first_order)
    moments: dict[tuple, str] = {}
    now = ops.adapt_datetimefield_value(datetime.datetime.now(datetime.UTC))
    places = [p for row in data.order_rows(30, prefix="P") for p in [tuple(row[5:8])]]

    def moment(day: int, minute: int) -> str:
        key = (day, minute)
        if key not in moments:
            value = datetime.datetime(2026, 11, day, tzinfo=datetime.UTC)
            value += datetime.timedelta(minutes=minute)
            moments[key] = ops.adapt_datetimefield_value(value)
        return moments[key]

    orders, items = [], []
    number, order_id, item_id, done = first_order, first_order_id, first_item_id, 0
    while done < need:
        count = min(rng.randint(1, 3), need - done)
        province, city, district = rng.choice(places)
        day, minute = rng.randint(1, 28), rng.randint(0, 1439)
        lines = []
        goods = Decimal(0)
        for line_no, (product_id, sku, name) in enumerate(rng.sample(products, count), 1):
            quantity = rng.randint(1, 5)
            price = Decimal(rng.randint(100, 30000)) / 100
            goods += quantity * price
            lines.append((item_id, order_id, str(line_no), product_id, sku, name, quantity,
                          str(price), str(quantity * price)))  # fmt: skip
            item_id += 1
        freight = Decimal("6.00")
        phone = f"13{rng.randint(100000000, 999999999)}"
        address = f"{district}幸福路{rng.randint(1, 999)}号"
        amounts = (str(goods), str(freight), str(goods + freight))
        ordered, paid = moment(day, minute), moment(day, minute + 1)
        references = (rng.choice(warehouses), rng.choice(carriers))
        tracking = f"SF{rng.randint(10**11, 10**12)}"
        store = rng.choice(stores)
        orders.append(
            (order_id, now, now, store, f"E{number:09d}", "paid", "王小明", phone, province,
             city, district, address, *amounts, ordered, paid, None, *references, tracking, "")
        )  # fmt: skip
        items.extend(lines)
        number, order_id, done = number + 1, order_id + 1, done + count
        if len(items) >= INSERT_BATCH:
            yield orders, items
            orders, items = [], []
    if items:
        yield orders, items


ORDER_COLUMNS = (
    "id", "created_at", "updated_at", "store_id", "platform_order_no", "status", "buyer_name",
    "buyer_phone", "province", "city", "district", "address", "goods_amount", "freight",
    "total_amount", "ordered_at", "paid_at", "shipped_at", "warehouse_id", "logistics_id",
    "tracking_no", "remark",
)  # fmt: skip
ITEM_COLUMNS = (
    "id", "order_id", "line_no", "product_id", "sku_code", "product_name", "quantity",
    "unit_price", "amount",
)  # fmt: skip


def cmd_add_lines(total: int) -> dict:
    """Append order lines (raw executemany, one transaction per batch) up to ``total``."""
    setup()
    from django.db import connection, transaction
    from django.db.models import Max

    from store.models import Order, OrderItem

    have = OrderItem.objects.count()
    need = total - have
    if need <= 0:
        return {"lines": have}
    quote = connection.ops.quote_name

    def insert_sql(model, columns) -> str:
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"

    order_sql, item_sql = insert_sql(Order, ORDER_COLUMNS), insert_sql(OrderItem, ITEM_COLUMNS)
    first_order_id = (Order.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    first_item_id = (OrderItem.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    batches = _line_batches(need, Order.objects.count() + 1, first_order_id, first_item_id)
    if connection.vendor == "sqlite":  # this connection only: generated data, no need to sync
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    for orders, items in batches:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(order_sql, orders)
            cursor.executemany(item_sql, items)
    if connection.vendor == "mysql":
        # Read the new index pages once: InnoDB merges its change buffer on first read, which
        # right after a bulk load would otherwise land on the export being measured.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(OrderItem._meta.db_table)} WHERE order_id > 0"
            )
            cursor.execute(f"SELECT COUNT(*) FROM {quote(Order._meta.db_table)} WHERE store_id > 0")
    return {"lines": OrderItem.objects.count()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dbtool")
    parser.add_argument("command", choices=["setup", "reset", "add-lines"])
    parser.add_argument("lines", nargs="?", type=int, default=0)
    args = parser.parse_args()
    if args.command == "setup":
        emit(cmd_setup())
    elif args.command == "reset":
        emit(cmd_reset())
    else:
        emit(cmd_add_lines(args.lines))


if __name__ == "__main__":
    main()
