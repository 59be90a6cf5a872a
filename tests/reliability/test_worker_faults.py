"""Workers killed with kill -9: jobs still end, exactly once, with nothing half-written."""

from pathlib import Path

import pytest
from django.urls import reverse

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.runner import job_run
from store.models import Order, OrderItem
from tests.job_helpers import (
    SKUS,
    import_outcome,
    job_id_from,
    stored_import,
    wait_for,
    wait_until,
    wait_until_processed,
)
from tests.order_files import interleaved, order_sheet, write_xlsx
from tests.processes import BeatProcess, WorkerProcess, manage

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def beat(redis_env):
    """The cluster's one beat: its sweeper notices a dead worker's job within seconds."""
    process = BeatProcess(redis_env)
    process.wait_ready()
    yield process
    process.stop()


def test_import_survives_kill_9_and_ends_with_exactly_the_right_rows(
    operator, redis_env, beat, tmp_path
):
    sheet = order_sheet(50_000, stores=["A001", "B001"], skus=SKUS)
    path = write_xlsx(tmp_path / "big.xlsx", sheet.rows)
    first = WorkerProcess(redis_env, "--concurrency", "1")
    first.wait_ready()
    queued = manage("excel_import", "order", str(path), "--user", operator.username, env=redis_env)
    job_id = job_id_from(queued.stdout)
    wait_until_processed(job_id, 6_000)
    first.kill()
    assert FileJob.objects.get(pk=job_id).status == JobStatus.RUNNING

    second = WorkerProcess(redis_env, "--concurrency", "1")  # "when a worker is available again"
    try:
        second.wait_ready()
        job = wait_for(job_id, timeout=300)
    finally:
        second.stop()

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.processed, job.created, job.failed) == (50_000, 50_000, 0)
    assert OrderItem.objects.count() == 50_000
    assert Order.objects.count() == len(sheet.good_orders)
    assert len(set(OrderItem.objects.values_list("order_id", "sku_code"))) == 50_000
    for order in Order.objects.prefetch_related("items").iterator(chunk_size=2000):
        assert (
            len(order.items.all()) == sheet.good_orders[(order.store.code, order.platform_order_no)]
        )


def test_a_killed_import_of_far_apart_order_lines_resumes_to_the_uninterrupted_result(
    operator, redis_env, beat, tmp_path
):
    """The lines of one order thousands of rows apart (first lines of all orders, then the
    second lines...): the resumed run still adds each late line to the order the first
    run wrote, instead of replacing that order's lines."""
    sheet = order_sheet(
        12_000, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=40
    )
    path = write_xlsx(tmp_path / "interleaved.xlsx", interleaved(sheet.rows))
    reference = stored_import(operator, path, language="zh-hans")  # as excel_import
    job_run(job_id=reference.pk, worker="reference")
    expected = import_outcome(FileJob.objects.get(pk=reference.pk))
    Order.objects.all().delete()

    first = WorkerProcess(redis_env, "--concurrency", "1")
    first.wait_ready()
    queued = manage("excel_import", "order", str(path), "--user", operator.username, env=redis_env)
    job_id = job_id_from(queued.stdout)
    wait_until_processed(job_id, 6_000)
    first.kill()
    assert FileJob.objects.get(pk=job_id).processed < 12_000

    second = WorkerProcess(redis_env, "--concurrency", "1")
    try:
        second.wait_ready()
        job = wait_for(job_id, timeout=300)
    finally:
        second.stop()

    assert job.attempts == 2
    assert import_outcome(job) == expected


@pytest.mark.database_neutral  # scratch and result files
def test_export_killed_while_writing_offers_no_file_until_it_is_written_whole(
    admin_client, redis_env, beat, tmp_path
):
    from tests.basic.test_export import _bulk_orders
    from tests.factories import StoreFactory

    _bulk_orders(StoreFactory(code="A001"), 60_000)
    first = WorkerProcess(redis_env, "--concurrency", "1")
    first.wait_ready()
    exported = manage("excel_export", "order", "--user", "admin", "--format", "xlsx", env=redis_env)
    job_id = job_id_from(exported.stdout)
    wait_until_processed(job_id, 4_000)
    first.kill()

    killed = FileJob.objects.get(pk=job_id)
    assert killed.status == JobStatus.RUNNING and killed.result_name == ""
    assert admin_client.get(reverse("api-job-result", args=[job_id])).status_code == 404
    scratch = Path(redis_env["OMS_VAR_DIR"]) / "scratch"
    left_behind = [path.parent.parent for path in scratch.glob("*/export-*/export.xlsx")]
    assert left_behind  # the half-written file of the killed worker

    second = WorkerProcess(redis_env, "--concurrency", "1")
    try:
        second.wait_ready()
        wait_until(lambda: not any(folder.exists() for folder in left_behind))
        job = wait_for(job_id, timeout=300)
    finally:
        second.stop()
    assert job.status == JobStatus.SUCCEEDED and job.processed == 60_000

    # the same export, uninterrupted, in this process: the same file, cell by cell
    reference = FileJob.objects.create(
        kind="order", direction="export", file_format="xlsx", owner=job.owner, options=job.options
    )
    job_run(job_id=reference.pk, worker="reference")
    assert _exported_rows(admin_client, job_id) == _exported_rows(admin_client, reference.pk)


def _exported_rows(client, job_id) -> list[tuple]:
    import io

    import openpyxl

    content = b"".join(client.get(reverse("api-job-result", args=[job_id])).streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 60_001
    return rows
