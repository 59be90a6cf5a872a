"""Reference cases, each in its own process: ``python -m bench.baseline CASE FILE``.

Raw limits: ``read-ours`` (our reader, ``utils.excel_read.open_workbook``), ``read-previous``
(the reader before it, :mod:`bench.previous_reader`), ``read-calamine``
(bare python-calamine, which holds the sheet), ``read-openpyxl`` (openpyxl's streaming
read-only mode), ``insert`` (``Product.objects.bulk_create`` of already converted
objects, chunks of 2,000, one transaction each), ``read-insert`` (the two together with a
minimal conversion), ``executemany`` (the same rows as raw ``cursor.executemany``: what
a fast path could reach). django-import-export: ``die-import`` and ``die-import-bulk`` (the
product file), ``die-export`` (every order line to xlsx; FILE is the output path).
Prints rows, seconds and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.data import STATUS_LABELS
from bench.django_side import emit, self_peak_mb, setup

CHUNK = 2000


def _read_ours(path: Path) -> Iterator[list]:
    from utils.excel_read import open_workbook

    with open_workbook(path) as book:
        sheet = next(book.sheets())
        rows = sheet.rows
        next(rows)  # header
        for _number, cells in rows:
            yield cells


def _read_previous(path: Path) -> Iterator[list]:
    from bench.previous_reader import load

    with load().open_workbook(path) as book:
        rows = next(book.sheets()).rows
        next(rows)
        for _number, cells in rows:
            yield cells


def _read_calamine(path: Path) -> Iterator[list]:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_index(0).iter_rows()
    next(rows)
    yield from rows


def _read_openpyxl(path: Path) -> Iterator[list]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        next(rows)
        yield from rows
    finally:
        book.close()


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _product(cells: list) -> Any:
    """The least conversion that gives a valid Product: text, Decimal, status code."""
    from basic.models import Product

    sku, name, barcode, spec, unit, weight, price, cost, status = [*cells, *[None] * 9][:9]
    return Product(
        sku_code=str(sku),
        name=name or "",
        barcode=str(barcode or ""),
        spec=spec or "",
        unit=unit or "",
        weight=_decimal(weight),
        price=_decimal(price) or Decimal(0),
        cost=_decimal(cost) or Decimal(0),
        status=STATUS_LABELS.get(status, "active"),
    )


def _insert(objects: list) -> None:
    from django.db import transaction

    from basic.models import Product

    for start in range(0, len(objects), CHUNK):
        with transaction.atomic():
            Product.objects.bulk_create(objects[start : start + CHUNK])


def _prepared(path: Path) -> list:
    """Every row as a converted Product, built before the clock starts.

    ``gc.freeze()`` keeps the collector from walking these 100,000 live objects again and
    again during the timed inserts, which a streaming import never holds all at once.
    """
    objects = [_product(cells) for cells in _read_calamine(path)]
    gc.collect()
    gc.freeze()
    return objects


def case_read(path: Path, reader) -> int:
    return sum(1 for _ in reader(path))


def case_insert(path: Path) -> tuple[int, float]:
    """Only the inserts are timed: the objects are built before the clock starts."""
    objects = _prepared(path)
    started = time.perf_counter()
    _insert(objects)
    return len(objects), time.perf_counter() - started


def case_executemany(path: Path) -> tuple[int, float]:
    """What a raw fast path could do: one ``executemany`` per 2,000 rows, one transaction each.

    Timed: turning the converted objects into parameter tuples (cheap per-type adaptation,
    not the ORM's per-value ``get_db_prep_save``) and the inserts.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from basic.models import Product

    objects = _prepared(path)
    started = time.perf_counter()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ["sku_code", "name", "barcode", "spec", "unit", "weight", "price", "cost", "status"]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in [*columns, "created_at", "updated_at"])
    marks = ", ".join(["%s"] * (len(columns) + 2))
    sql = f"INSERT INTO {quote(Product._meta.db_table)} ({names}) VALUES ({marks})"

    def text(value: Any) -> Any:
        return None if value is None else str(value)

    for start in range(0, len(objects), CHUNK):
        params = [
            (p.sku_code, p.name, p.barcode, p.spec, p.unit, text(p.weight), text(p.price),
             text(p.cost), p.status, now, now)
            for p in objects[start : start + CHUNK]
        ]  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(objects), time.perf_counter() - started


def case_read_insert(path: Path) -> int:
    from django.db import transaction

    from basic.models import Product

    rows, chunk = 0, []
    for cells in _read_ours(path):
        chunk.append(_product(cells))
        if len(chunk) == CHUNK:
            with transaction.atomic():
                Product.objects.bulk_create(chunk)
            rows, chunk = rows + len(chunk), []
    if chunk:
        with transaction.atomic():
            Product.objects.bulk_create(chunk)
    return rows + len(chunk)


def case_die_import(path: Path, bulk: bool) -> tuple[int, dict]:
    from import_export.formats.base_formats import XLSX

    from bench.die_resources import ProductBulkResource, ProductResource

    with path.open("rb") as handle:
        dataset = XLSX().create_dataset(handle.read())
    resource = ProductBulkResource() if bulk else ProductResource()
    result = resource.import_data(dataset, dry_run=False, use_transactions=True)
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit(f"django-import-export reported errors: {result.totals}")
    return len(dataset), dict(result.totals)


def case_die_export(output: Path) -> int:
    from import_export.formats.base_formats import XLSX

    from bench.die_resources import OrderLineResource, order_lines_queryset

    dataset = OrderLineResource().export(queryset=order_lines_queryset())
    output.write_bytes(XLSX().export_data(dataset))
    return len(dataset)


def main() -> None:
    cases = ["read-ours", "read-previous", "read-calamine", "read-openpyxl", "insert",
             "executemany", "read-insert", "die-import", "die-import-bulk",
             "die-export"]  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("case", choices=cases)
    parser.add_argument("file", type=Path)
    args = parser.parse_args()
    setup()
    extra: dict = {}
    started = time.perf_counter()
    if args.case == "read-ours":
        rows = case_read(args.file, _read_ours)
    elif args.case == "read-previous":
        rows = case_read(args.file, _read_previous)
    elif args.case == "read-calamine":
        rows = case_read(args.file, _read_calamine)
    elif args.case == "read-openpyxl":
        rows = case_read(args.file, _read_openpyxl)
    elif args.case in ("insert", "executemany"):
        timed = case_insert if args.case == "insert" else case_executemany
        rows, seconds = timed(args.file)
        started = time.perf_counter() - seconds
    elif args.case == "read-insert":
        rows = case_read_insert(args.file)
    elif args.case == "die-export":
        rows = case_die_export(args.file)
    else:
        rows, extra = case_die_import(args.file, bulk=args.case == "die-import-bulk")
    seconds = time.perf_counter() - started
    emit({"rows": rows, "seconds": seconds, "wall": seconds, "self_peak_mb": self_peak_mb(),
          **extra})  # fmt: skip


if __name__ == "__main__":
    main()
