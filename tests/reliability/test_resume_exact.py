"""A resumed import gives exactly the result of an uninterrupted one.

The worker "dies" at a chosen point (in the middle of a chunk, right after a commit,
during the last chunk, while writing the error report): a BaseException leaves the job
running with its transaction rolled back, as a kill -9 would, and a second run claims
the stale job and resumes it. The whole database state, the counters and the error
report must equal those of one uninterrupted run of the same file, for files whose
order lines are adjacent, interleaved (the first lines of all orders, then the later
lines) and shuffled, with orders that existed before the import, bad lines and a SKU
repeated within an order. tests/reliability/test_worker_faults.py does the same with
real worker processes and kill -9.

The chunks are made small (30 rows) so that a file of a few hundred lines spans many.
"""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings, strategies

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.pipeline import error_report, imports
from basic.filejobs.runner import job_run
from basic.models import Product
from store.models import Order, OrderItem, Store
from tests.job_helpers import SKUS, stored_import, stored_report
from tests.order_files import COL, interleaved, order_sheet, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK = 30


class Killed(BaseException):
    """The worker is gone: nothing after this point of the run happens."""


@pytest.fixture
def small_chunks(monkeypatch, settings):
    monkeypatch.setattr(imports, "CHUNK_ROWS", CHUNK)
    settings.IMPORT_SPLIT_ROWS = 10**9  # one task: the split path has tests of its own
    settings.MAX_RUNNING_JOBS_PER_USER = 0


# Files ----------------------------------------------------------------------------------


def order_rows(layout: str, seed: int = 3, lines: int = 300) -> list[list]:
    """Orders of one to three lines with bad lines, arranged by ``layout``."""
    sheet = order_sheet(
        lines, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=9, seed=seed
    )
    rows = [list(row) for row in sheet.rows]
    # a SKU met twice in one order, far apart: the second one is refused
    repeated = list(rows[4])
    rows.append(repeated)
    if layout == "interleaved":
        rows = interleaved(rows)
    elif layout == "shuffled":
        random.Random(seed).shuffle(rows)
    return rows


def existing_orders(rows: list[list]) -> None:
    """Some orders of the file exist already, with other lines: the import replaces them."""
    stores = dict(Store.objects.values_list("code", "pk"))
    numbers = sorted({(row[COL["店铺编码"]], row[COL["平台订单号"]]) for row in rows})
    for store_code, number in numbers[::7]:
        if store_code not in stores:
            continue
        order = Order.objects.create(store_id=stores[store_code], platform_order_no=number)
        OrderItem.objects.create(
            order=order, sku_code=SKUS[0], quantity=9, unit_price=Decimal("1.00")
        )


# Running --------------------------------------------------------------------------------


def _dies_at(monkeypatch, point: str, chunk: int) -> None:
    """Make the run die at ``point`` of its ``chunk``-th chunk (1-based)."""
    seen = {"chunks": 0}
    real_process = imports.process_chunk

    if point == "report":
        monkeypatch.setattr(error_report, "error_report_write", _raise_killed)
        return

    def process(rows, ctx, *args, **kwargs):
        seen["chunks"] += 1
        if point == "mid-chunk" and seen["chunks"] == chunk:
            real_write = ctx.spec.write

            def write_then_die(rows, ctx):
                real_write(rows, ctx)
                raise Killed  # inside the chunk's transaction: it is rolled back

            monkeypatch.setattr(ctx.spec, "write", write_then_die)
        real_process(rows, ctx, *args, **kwargs)
        if point == "after-commit" and seen["chunks"] == chunk:
            raise Killed

    monkeypatch.setattr(imports, "process_chunk", process)


def _raise_killed(*args, **kwargs):
    raise Killed


def run_interrupted(monkeypatch, user, path, point: str, chunk: int = 0, kind="order"):
    """Run the import until it dies at ``point``, then resume it as a new worker would."""
    job = stored_import(user, path, kind=kind)
    with monkeypatch.context() as patch:
        _dies_at(patch, point, chunk)
        with pytest.raises(Killed):
            job_run(job_id=job.pk, worker="first")
    died = FileJob.objects.get(pk=job.pk)
    assert died.status == JobStatus.RUNNING  # left behind, as by a killed worker
    long_ago = timezone.now() - timedelta(hours=1)
    FileJob.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    job_run(job_id=job.pk, worker="second")
    job = FileJob.objects.get(pk=job.pk)
    assert job.attempts == 2
    return job


def run_whole(user, path, kind="order") -> FileJob:
    job = stored_import(user, path, kind=kind)
    job_run(job_id=job.pk, worker="only")
    return FileJob.objects.get(pk=job.pk)


def count_chunks(monkeypatch) -> list:
    """From now on, every chunk processed is appended to the returned list."""
    chunks = []
    real_process = imports.process_chunk

    def process(rows, ctx, *args, **kwargs):
        chunks.append(len(rows))
        return real_process(rows, ctx, *args, **kwargs)

    monkeypatch.setattr(imports, "process_chunk", process)
    return chunks


# What a user sees -----------------------------------------------------------------------


def database_state() -> tuple[list, list, list]:
    orders = sorted(
        Order.objects.values_list(
            "store__code", "platform_order_no", "status", "buyer_name", "buyer_phone",
            "province", "city", "district", "address", "goods_amount", "freight",
            "total_amount", "ordered_at", "paid_at", "warehouse__code", "logistics__code",
            "tracking_no", "remark",
        )
    )  # fmt: skip
    lines = sorted(
        OrderItem.objects.values_list(
            "order__store__code", "order__platform_order_no", "sku_code", "product_name",
            "quantity", "unit_price", "amount", "product__sku_code",
        )
    )  # fmt: skip
    products = sorted(Product.objects.values_list("sku_code", "name", "barcode", "price", "cost"))
    return orders, lines, products


def outcome(job: FileJob) -> tuple:
    counts = (job.status, job.processed, job.total, job.created, job.updated, job.unchanged)
    return (*counts, job.failed, job.message), stored_report(job), database_state()


def reset(rows=None) -> None:
    Order.objects.all().delete()
    if rows is not None:
        existing_orders(rows)


# Tests ----------------------------------------------------------------------------------

KILL_POINTS = [("mid-chunk", 4), ("after-commit", 5), ("last-chunk", 0), ("report", 0)]


@pytest.mark.parametrize("layout", ["adjacent", "interleaved", "shuffled"])
@pytest.mark.parametrize(("point", "chunk"), KILL_POINTS, ids=[p for p, _c in KILL_POINTS])
def test_a_resumed_order_import_equals_an_uninterrupted_one(
    operator, small_chunks, monkeypatch, tmp_path, layout, point, chunk
):
    rows = order_rows(layout)
    path = write_xlsx(tmp_path / f"{layout}.xlsx", rows)
    reset(rows)
    with monkeypatch.context() as patch:
        chunks = count_chunks(patch)
        whole = run_whole(operator, path)
    expected = outcome(whole)
    assert whole.failed and whole.updated and whole.created  # the file exercises all paths
    if point == "last-chunk":
        point, chunk = "mid-chunk", len(chunks)

    reset(rows)
    resumed = run_interrupted(monkeypatch, operator, path, point, chunk)

    assert outcome(resumed) == expected


def product_rows(seed: int = 5) -> list[list]:
    """Products whose SKU codes come back far apart in the file: repeats are refused."""
    rng = random.Random(seed)
    rows = [
        [f"P{n:04d}", f"商品{n}", f"69{n:011d}", f"{rng.randint(1, 99)}.50"] for n in range(200)
    ]
    for n in range(0, 200, 9):
        rows.insert(rng.randrange(len(rows)), [f"P{n:04d}", f"重复{n}", "", "1.00"])
    return rows


def test_a_resumed_import_still_refuses_keys_met_before_the_kill(
    admin_user, small_chunks, monkeypatch, tmp_path
):
    path = write_xlsx(
        tmp_path / "p.xlsx", product_rows(), header=["商品编码", "商品名称", "条码", "售价"]
    )
    whole = run_whole(admin_user, path, kind="product")
    expected = outcome(whole)
    assert whole.failed > 10
    Product.objects.all().delete()

    resumed = run_interrupted(monkeypatch, admin_user, path, "after-commit", 4, kind="product")

    assert outcome(resumed) == expected


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=strategies.integers(min_value=0, max_value=10**6),
    point=strategies.sampled_from(["mid-chunk", "after-commit", "report"]),
    chunk=strategies.integers(min_value=1, max_value=5),
)
def test_any_layout_killed_anywhere_resumes_exactly(
    operator, small_chunks, monkeypatch, tmp_path, seed, point, chunk
):
    rng = random.Random(seed)
    rows = order_rows("adjacent", seed=seed, lines=150)
    # random group layout: move random runs of lines to random places
    for _move in range(rng.randint(0, 40)):
        start = rng.randrange(len(rows))
        run = rows[start : start + rng.randint(1, 4)]
        del rows[start : start + len(run)]
        at = rng.randrange(len(rows) + 1)
        rows[at:at] = run
    path = write_xlsx(tmp_path / f"r{seed}.xlsx", rows)
    reset(rows)
    expected = outcome(run_whole(operator, path))

    reset(rows)
    resumed = run_interrupted(monkeypatch, operator, path, point, chunk)

    assert outcome(resumed) == expected


# Split imports: each part commits whole, so a killed part is run again from its start --


@pytest.fixture
def small_parts(small_chunks, settings, monkeypatch):
    """Files of more than 100 rows dealt into parts of 60 rows or more, run in this process."""
    from celery import current_app

    from basic.filejobs.pipeline import parts

    monkeypatch.setattr(parts, "CHUNK_ROWS", CHUNK)
    settings.IMPORT_SPLIT_ROWS = 100
    settings.IMPORT_PART_ROWS = 60
    settings.IMPORT_PARTS_AT_ONCE = 1
    monkeypatch.setattr(current_app.conf, "task_always_eager", True)
    monkeypatch.setattr(current_app.conf, "task_eager_propagates", True)


def _part_dies(monkeypatch, number: int) -> None:
    """The part ``number`` dies in the middle of its transaction, after its first chunk."""
    from basic.filejobs.models import ImportPart, PartStatus
    from basic.filejobs.pipeline import parts

    real_cut = parts._cut_segments

    def cut_then_die(segments):
        for count, chunk in enumerate(real_cut(segments)):
            yield chunk
            if count == 0 and running.filter(number=number).exists():
                raise Killed

    running = ImportPart.objects.filter(status=PartStatus.RUNNING)
    monkeypatch.setattr(parts, "_cut_segments", cut_then_die)


@pytest.mark.parametrize("layout", ["interleaved", "shuffled"])
@pytest.mark.parametrize("point", ["part", "report"])
def test_a_split_import_killed_and_swept_equals_one_uninterrupted_task(
    operator, small_parts, settings, monkeypatch, tmp_path, layout, point
):
    from basic.filejobs.models import ImportPart
    from basic.filejobs.sweeper import jobs_sweep

    rows = order_rows(layout)
    path = write_xlsx(tmp_path / f"{layout}.xlsx", rows)
    reset(rows)
    settings.IMPORT_SPLIT_ROWS = 10**9
    expected = outcome(run_whole(operator, path))
    settings.IMPORT_SPLIT_ROWS = 100

    reset(rows)
    job = stored_import(operator, path)
    with monkeypatch.context() as patch:
        if point == "part":
            _part_dies(patch, 2)
        else:
            patch.setattr(error_report, "error_report_write", _raise_killed)
        with pytest.raises(Killed):
            job_run(job_id=job.pk, worker="first")
    long_ago = timezone.now() - timedelta(hours=1)
    FileJob.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    ImportPart.objects.filter(job=job).update(heartbeat_at=long_ago)
    jobs_sweep()

    job = FileJob.objects.get(pk=job.pk)
    # parts are dealt by order: an interleaved file's 301 lines make three parts of ~100
    assert job.parts.count() >= 3  # part 2, the one that dies, among them
    assert outcome(job) == expected
