"""Demo data for a first look at the back office: deterministic and safe to load twice."""

import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from basic.models import LogisticsCompany, Product, Warehouse

from .models import Order, OrderItem, OrderStatus, Platform, Store
from .money import line_amount

DEMO_ORDER_PREFIX = "DEMO"
ADMIN_USERNAME = "admin"
OPERATOR_USERNAME = "operator"

STORES = [
    ("TB001", "鲜果优选淘宝店", Platform.TAOBAO),
    ("TM001", "鲜果优选天猫旗舰店", Platform.TMALL),
    ("JD001", "鲜果优选京东自营", Platform.JD),
    ("PDD001", "鲜果优选拼多多店", Platform.PDD),
    ("DY001", "鲜果优选抖音小店", Platform.DOUYIN),
    ("SP001", "FreshFruit Shopify", Platform.SHOPIFY),
]
WAREHOUSES = [
    ("WH-SH", "上海嘉定仓", "上海市嘉定区安亭镇墨玉南路888号"),
    ("WH-GZ", "广州白云仓", "广东省广州市白云区太和镇永兴村"),
    ("WH-CD", "成都双流仓", "四川省成都市双流区西航港大道"),
]
CARRIERS = [
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("JD", "京东物流"),
    ("EMS", "中国邮政EMS"),
]
FRUITS = [
    "赣南脐橙",
    "阿克苏苹果",
    "海南芒果",
    "烟台樱桃",
    "库尔勒香梨",
    "丹东草莓",
    "云南蓝莓",
    "猕猴桃",
]
SPECS = ["2.5kg装", "5kg装", "10kg礼盒"]
PLACES = [
    ("上海市", "上海市", "浦东新区"),
    ("北京市", "北京市", "朝阳区"),
    ("广东省", "深圳市", "南山区"),
    ("浙江省", "杭州市", "西湖区"),
    ("四川省", "成都市", "武侯区"),
    ("江苏省", "南京市", "鼓楼区"),
]
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳"]


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    admin_password: str | None = None  # set only when the admin was created just now


def _ensure(model, rows: list[dict], key: str) -> int:
    existing = set(
        model.objects.filter(**{f"{key}__in": [r[key] for r in rows]}).values_list(key, flat=True)
    )
    missing = [model(**r) for r in rows if r[key] not in existing]
    model.objects.bulk_create(missing)
    return len(missing)


def _ensure_user(username: str, *, password: str, superuser: bool) -> bool:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return False
    make = User.objects.create_superuser if superuser else User.objects.create_user
    make(username=username, password=password, is_staff=True, display_name=username)
    return True


def _demo_orders(rng: random.Random, stores, products, warehouses, carriers, count: int):
    now = timezone.now()
    orders, items = [], []
    for n in range(count):
        store = stores[n % len(stores)]
        province, city, district = rng.choice(PLACES)
        ordered_at = now - timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 1439))
        status = rng.choice(list(OrderStatus))
        order = Order(
            store=store,
            platform_order_no=f"{DEMO_ORDER_PREFIX}{n + 1:06d}",
            status=status,
            buyer_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            buyer_phone=f"13{rng.randint(100000000, 999999999)}",
            province=province,
            city=city,
            district=district,
            address=f"{district}幸福路{rng.randint(1, 999)}号",
            freight=Decimal(rng.choice(["0.00", "6.00", "10.00"])),
            ordered_at=ordered_at,
            paid_at=None if status == OrderStatus.PENDING else ordered_at + timedelta(minutes=3),
            warehouse=rng.choice(warehouses),
            logistics=rng.choice(carriers)
            if status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED)
            else None,
        )
        if order.logistics:
            order.tracking_no = f"{order.logistics.code}{rng.randint(10**11, 10**12 - 1)}"
            order.shipped_at = ordered_at + timedelta(hours=20)
        lines = []
        for line_no, product in enumerate(rng.sample(products, rng.randint(1, 3)), 1):
            quantity = rng.randint(1, 3)
            lines.append(
                OrderItem(
                    order=order,
                    line_no=str(line_no),
                    product=product,
                    sku_code=product.sku_code,
                    product_name=product.name,
                    quantity=quantity,
                    unit_price=product.price,
                    amount=line_amount(product.price, quantity),
                )
            )
        order.recalculate_totals(lines)
        orders.append(order)
        items.extend(lines)
    return orders, items


@transaction.atomic
def demo_data_seed(*, orders: int = 300, password: str | None = None) -> SeedReport:
    """Create the demo catalogue, stores, orders and two accounts; existing rows are kept."""
    report = SeedReport()
    rng = random.Random(2026)
    report.created["products"] = _ensure(
        Product,
        [
            {
                "sku_code": f"SKU{i + 1:04d}",
                "name": f"{fruit} {spec}",
                "spec": spec,
                "unit": "箱",
                "barcode": f"69{i + 1:011d}",
                "weight": Decimal(spec.split("kg")[0]),
                "price": Decimal(rng.randint(29, 199)) + Decimal("0.90"),
                "cost": Decimal(rng.randint(15, 28)),
            }
            for i, (fruit, spec) in enumerate((f, s) for f in FRUITS for s in SPECS)
        ],
        "sku_code",
    )
    report.created["warehouses"] = _ensure(
        Warehouse, [{"code": c, "name": n, "address": a} for c, n, a in WAREHOUSES], "code"
    )
    report.created["carriers"] = _ensure(
        LogisticsCompany, [{"code": c, "name": n} for c, n in CARRIERS], "code"
    )
    report.created["stores"] = _ensure(
        Store,
        [
            {
                "code": c,
                "name": n,
                "platform": p,
                "contact_name": "店长",
                "contact_phone": "021-61234567",
            }
            for c, n, p in STORES
        ],
        "code",
    )

    report.created["orders"] = 0
    if not Order.objects.filter(platform_order_no__startswith=DEMO_ORDER_PREFIX).exists():
        order_rows, item_rows = _demo_orders(
            rng,
            list(Store.objects.filter(code__in=[s[0] for s in STORES])),
            list(Product.objects.filter(sku_code__startswith="SKU")),
            list(Warehouse.objects.all()),
            list(LogisticsCompany.objects.all()),
            orders,
        )
        Order.objects.bulk_create(order_rows)
        OrderItem.objects.bulk_create(item_rows)
        report.created["orders"] = len(order_rows)

    chosen = password or secrets.token_urlsafe(12)
    if _ensure_user(ADMIN_USERNAME, password=chosen, superuser=True):
        report.admin_password = chosen
    if _ensure_user(OPERATOR_USERNAME, password=chosen, superuser=False):
        operator = get_user_model().objects.get(username=OPERATOR_USERNAME)
        operator.groups.add(Group.objects.get(name="运营"))
        operator.stores.add(*Store.objects.filter(code__in=["TB001", "TM001", "JD001"]))
    return report
