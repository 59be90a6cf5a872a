"""Order sheets for tests and benchmarks: realistic rows, known faults, known outcome."""

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
import xlwt

HEADER = [
    "店铺编码", "平台订单号", "订单状态", "买家姓名", "买家电话", "省份", "城市", "区县", "详细地址",
    "运费", "下单时间", "付款时间", "仓库编码", "物流公司编码", "运单号", "备注", "商品编码",
    "商品名称", "数量", "单价",
]  # fmt: skip
COL = {name: i for i, name in enumerate(HEADER)}
PLACES = [
    ("上海市", "上海市", "浦东新区"), ("北京市", "北京市", "朝阳区"), ("广东省", "深圳市", "南山区"),
    ("浙江省", "杭州市", "西湖区"), ("四川省", "成都市", "武侯区"), ("江苏省", "南京市", "鼓楼区"),
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英"

# (column, bad value, words the reason must contain)
FAULTS = [
    ("店铺编码", "NO-SUCH-STORE", "is not one of your stores"),
    ("店铺编码", "{forbidden_store}", "is not one of your stores"),
    ("商品编码", "NO-SUCH-SKU", "unknown SKU code"),
    ("数量", "abc", "not a number"),
    ("单价", "-5", "must not be negative"),
    ("下单时间", "2026-13-45", "not a date and time"),
    ("订单状态", "发货中间态", "is not one of"),
    ("买家姓名", "名" * 101, "too long"),
    ("仓库编码", "WH-NONE", "unknown code"),
    ("运费", "十元", "not a number"),
]


@dataclass
class OrderSheet:
    rows: list[list] = field(default_factory=list)
    bad: dict[int, tuple[str, str]] = field(default_factory=dict)  # sheet row → (column, reason)
    rejected_rows: set[int] = field(default_factory=set)  # bad rows and their order's other lines
    good_orders: dict[tuple, int] = field(default_factory=dict)  # (store, order no) → lines

    @property
    def good_lines(self) -> int:
        return sum(self.good_orders.values())


def order_sheet(
    lines: int,
    *,
    stores: list[str],
    skus: list[str],
    warehouses: list[str] = ("WH-SH",),
    carriers: list[str] = ("SF",),
    forbidden_store: str = "",
    fault_every: int = 0,
    seed: int = 7,
    prefix: str = "T",
) -> OrderSheet:
    """``lines`` order lines (orders of 1-3 lines); one order in ``fault_every`` gets a fault."""
    rng = random.Random(seed)
    fault_rng = random.Random(seed + 1)  # faults must not change the good data
    sheet = OrderSheet()
    order_number = 0
    faults = [f for f in FAULTS if forbidden_store or "{forbidden_store}" not in f[1]]
    while len(sheet.rows) < lines:
        order_number += 1
        store = stores[order_number % len(stores)]
        order_no = f"{prefix}{order_number:08d}"
        province, city, district = rng.choice(PLACES)
        count = min(rng.randint(1, 3), lines - len(sheet.rows))
        order_skus = rng.sample(skus, count)
        first_row = len(sheet.rows) + 2  # the header is row 1
        buyer = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = f"13{rng.randint(100000000, 999999999)}"
        address = f"{district}幸福路{rng.randint(1, 999)}号"
        day, hour, minute = rng.randint(1, 24), rng.randint(0, 23), rng.randint(0, 59)
        ordered_at = f"2026-11-{day:02d} {hour:02d}:{minute:02d}:00"
        warehouse, carrier = rng.choice(warehouses), rng.choice(carriers)
        for sku in order_skus:
            sheet.rows.append(
                [
                    store, order_no, "已付款", buyer, phone, province, city, district, address,
                    "6.00", ordered_at, "", warehouse, carrier, "", "", sku, f"商品{sku}",
                    rng.randint(1, 5), f"{rng.randint(1, 300)}.{rng.randint(0, 99):02d}",
                ]
            )  # fmt: skip
        order_rows = range(first_row, first_row + count)
        if fault_every and order_number % fault_every == 0:
            column, value, reason = faults[(order_number // fault_every) % len(faults)]
            bad_row = first_row + fault_rng.randrange(count)
            sheet.rows[bad_row - 2][COL[column]] = value.format(forbidden_store=forbidden_store)
            sheet.bad[bad_row] = (column, reason)
            if column == "店铺编码" and count > 1:
                # another store code makes the bad line another order: the others import
                sheet.rejected_rows.add(bad_row)
                sheet.good_orders[(store, order_no)] = count - 1
            else:
                sheet.rejected_rows.update(order_rows)
        else:
            sheet.good_orders[(store, order_no)] = count
    return sheet


def interleaved(rows: list[list]) -> list[list]:
    """The first line of every order, then every second line, then every third: lines of
    one order far apart, as in platform exports sorted by time or by SKU."""
    by_order: dict[tuple, list[list]] = {}
    for row in rows:
        by_order.setdefault((row[COL["店铺编码"]], row[COL["平台订单号"]]), []).append(row)
    width = max(len(lines) for lines in by_order.values())
    return [lines[n] for n in range(width) for lines in by_order.values() if n < len(lines)]


def write_xlsx(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("订单")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


def write_xls(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("订单")
    for c, value in enumerate(header):
        sheet.write(0, c, value)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_csv(
    path: Path, rows: list[list], header: list[str] = HEADER, encoding: str = "utf-8-sig"
) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
