"""Deterministic bench data: order and product files, reference data, upload bodies.

Framework-free (no Django): the driver writes the files once under ``bench/data/`` and
later runs reuse them (the name carries the size, the seed and a format version).
Orders come from ``tests.order_files`` (20 columns, realistic Chinese rows).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import xlsxwriter

from tests.order_files import HEADER, order_sheet, write_csv, write_xls, write_xlsx

SEED = 20261124
VERSION = 2
DATA_DIR = Path(__file__).resolve().parent / "data"

# Reference data every bench database holds (bench.dbtool seeds it).
STORES = [(f"BS{i:03d}", f"基准店铺{i:03d}", platform) for i, platform in
          enumerate(["taobao", "tmall", "jd", "pdd", "douyin"] * 2, start=1)]  # fmt: skip
WAREHOUSES = [("WH-SH", "上海嘉定仓"), ("WH-BJ", "北京顺义仓"), ("WH-GZ", "广州白云仓")]
CARRIERS = [("SF", "顺丰速运"), ("YTO", "圆通速递"), ("ZTO", "中通快递")]
SEED_PRODUCTS = 2000
SEED_SKUS = [f"SKU{i:05d}" for i in range(1, SEED_PRODUCTS + 1)]

# The product file: ProductSpec's Chinese headers, English keys in PRODUCT_KEYS.
PRODUCT_HEADER = [
    "商品编码",
    "商品名称",
    "条码",
    "规格",
    "单位",
    "重量(kg)",
    "售价",
    "成本价",
    "状态",
]
PRODUCT_KEYS = ["sku_code", "name", "barcode", "spec", "unit", "weight", "price", "cost", "status"]
STATUS_LABELS = {"启用": "active", "停用": "inactive"}
_FRUIT = ["脐橙", "苹果", "香梨", "猕猴桃", "车厘子", "草莓", "芒果", "柚子", "葡萄", "蓝莓"]
_ORIGIN = ["赣南", "烟台", "库尔勒", "眉县", "智利", "丹东", "海南", "琯溪", "新疆", "云南"]
_UNITS = ["箱", "件", "袋", "盒", "斤"]


def _cached(name: str, build: Callable[[Path], object]) -> Path:
    """``bench/data/<name>``, built once (written to a temporary name, then renamed)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / name
    if not path.exists():
        partial = path.with_name(f".partial-{path.name}")
        build(partial)
        partial.rename(path)
    return path


def order_rows(lines: int, *, prefix: str = "B", seed: int = SEED) -> list[list]:
    """``lines`` order lines (orders of 1-3 lines) over the seeded stores and SKUs."""
    return order_sheet(
        lines,
        stores=[code for code, _name, _platform in STORES],
        skus=SEED_SKUS,
        warehouses=[code for code, _name in WAREHOUSES],
        carriers=[code for code, _name in CARRIERS],
        seed=seed,
        prefix=prefix,
    ).rows


def order_file(lines: int, fmt: str) -> Path:
    """An order file of ``lines`` lines: xlsx, csv (UTF-8 with BOM) or xls."""
    writers = {"xlsx": write_xlsx, "csv": write_csv, "xls": write_xls}

    def build(path: Path) -> None:
        writers[fmt](path, order_rows(lines), HEADER)

    return _cached(f"orders-{lines}x{len(HEADER)}-s{SEED}-v{VERSION}.{fmt}", build)


def product_rows(count: int, *, seed: int = SEED) -> Iterator[list]:
    """Product rows in PRODUCT_KEYS order; SKUs BP0000001... never clash with the seed's."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        fruit, origin = rng.choice(_FRUIT), rng.choice(_ORIGIN)
        kilos = rng.choice([0.5, 1, 2.5, 5, 10])
        price = rng.randint(990, 29900) / 100
        yield [
            f"BP{number:07d}",
            f"{origin}{fruit} {kilos}kg装",
            f"69{rng.randint(10**10, 10**11 - 1)}",
            f"{kilos}kg装",
            rng.choice(_UNITS),
            round(kilos * 1.08, 3),
            price,
            round(price * rng.uniform(0.4, 0.8), 2),
            "启用" if rng.random() < 0.9 else "停用",
        ]


def _write_products(path: Path, count: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("商品")
    sheet.write_row(0, 0, PRODUCT_HEADER)
    for r, row in enumerate(product_rows(count), start=1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()


def product_file(count: int) -> Path:
    """The product file (xlsx, Chinese headers, numbers as number cells)."""
    return _cached(
        f"products-{count}-s{SEED}-v{VERSION}.xlsx", lambda path: _write_products(path, count)
    )


def upload_body(size_bytes: int, variant: int) -> bytes:
    """An order csv of about ``size_bytes`` (cut at a line), unique per ``variant``.

    A different last order per variant gives each upload its own SHA-256, so the API
    never answers with an earlier job of the same file.
    """
    lines = max(10, size_bytes // 150)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(order_rows(lines, prefix="U"))
    body = text.getvalue().encode("utf-8")
    while len(body) < size_bytes:
        body += body[body.index(b"\n") + 1 :]
    body = body[: body.rindex(b"\n", 0, size_bytes) + 1]
    extra = io.StringIO()
    csv.writer(extra).writerows(order_rows(1, prefix=f"V{variant:04d}-", seed=SEED + variant))
    return body + extra.getvalue().encode("utf-8")
