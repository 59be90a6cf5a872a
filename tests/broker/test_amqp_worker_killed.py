"""Workers killed with kill -9 over RabbitMQ: RabbitMQ gives their messages back at once
(acks_late), and the jobs still end with exactly the right rows.

An import as one task, and a split import killed in the middle of a part: the other
worker finishes it, with the rows, counts and error report of one uninterrupted task,
and no committed part run again."""

import pytest

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.runner import job_run
from store.models import Order, OrderItem
from tests.job_helpers import (
    SKUS,
    import_outcome,
    queue_import,
    stored_import,
    wait_for,
    wait_until_processed,
)
from tests.order_files import order_sheet, write_csv
from tests.processes import BeatProcess, WorkerProcess
from tests.rabbitmq import assert_on_rabbitmq
from tests.split_imports import AtTheKill, wait_until_parts_done_and_running_on

pytestmark = [pytest.mark.integration, pytest.mark.amqp, pytest.mark.django_db(transaction=True)]

LINES = 40_000


def _started(env, amqp_url, *names: str) -> tuple[BeatProcess, dict[str, WorkerProcess]]:
    """The cluster's beat (its sweeper notices a dead worker's job within seconds) and a
    worker process per name, all on RabbitMQ."""
    beat = BeatProcess(env)
    workers = {
        name: WorkerProcess(env, "--concurrency", "1", "--hostname", f"{name}@%h") for name in names
    }
    for process in (beat, *workers.values()):
        process.wait_ready()
        assert_on_rabbitmq(process.text, amqp_url)
    return beat, workers


def test_an_import_whose_worker_is_killed_ends_with_exactly_the_right_rows(
    operator, amqp_env, amqp_url, tmp_path
):
    sheet = order_sheet(30_000, stores=["A001", "B001"], skus=SKUS)
    path = write_csv(tmp_path / "orders.csv", sheet.rows)
    beat, workers = _started(amqp_env, amqp_url, "left", "right")
    try:
        job_id = queue_import(amqp_env, operator, path)
        wait_until_processed(job_id, 6_000)
        doomed = FileJob.objects.get(pk=job_id).worker.split("@")[0]
        workers[doomed].kill()  # its message goes back to RabbitMQ, to the other worker
        assert FileJob.objects.get(pk=job_id).status == JobStatus.RUNNING
        job = wait_for(job_id, timeout=300)
    finally:
        for process in (beat, *workers.values()):
            process.stop()

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.attempts == 2 and not job.worker.startswith(f"{doomed}@")
    assert (job.processed, job.created, job.failed) == (30_000, 30_000, 0)
    assert OrderItem.objects.count() == 30_000
    assert len(set(OrderItem.objects.values_list("order_id", "sku_code"))) == 30_000
    assert Order.objects.count() == len(sheet.good_orders)
    for order in Order.objects.prefetch_related("items").iterator(chunk_size=2000):
        key = (order.store.code, order.platform_order_no)
        assert len(order.items.all()) == sheet.good_orders[key]


def test_a_worker_killed_mid_part_leaves_exactly_the_rows_of_one_task(
    operator, amqp_env, amqp_url, tmp_path
):
    sheet = order_sheet(
        LINES, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=50
    )
    path = write_csv(tmp_path / "orders.csv", sheet.rows)
    reference = stored_import(operator, path, language="zh-hans")  # as excel_import
    job_run(job_id=reference.pk, worker="reference")  # one task: below the split threshold
    expected = import_outcome(FileJob.objects.get(pk=reference.pk))
    assert not FileJob.objects.get(pk=reference.pk).parts.exists()
    Order.objects.all().delete()

    env = {**amqp_env, "OMS_IMPORT_SPLIT_ROWS": "10000", "OMS_IMPORT_PART_ROWS": "4000"}
    beat, workers = _started(env, amqp_url, "doomed", "survivor")
    try:
        job_id = queue_import(env, operator, path)
        wait_until_parts_done_and_running_on(job_id, "doomed@", parts_done=3)
        workers["doomed"].kill()
        at_the_kill = AtTheKill.record(job_id, "doomed")
        job = wait_for(job_id, timeout=600)
    finally:
        for process in (beat, *workers.values()):
            process.stop()

    assert job.parts.count() == 10  # parts of about 4,000 lines
    at_the_kill.assert_finished_by("survivor", job, expected, parts_done=3)
