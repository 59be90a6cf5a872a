"""A split import over RabbitMQ with one of its two workers killed with kill -9 in the
middle of a part: the other worker finishes it, with the rows, counts and error report
of one uninterrupted task, and no committed part run again."""

import pytest

from basic.jobs import job_run
from basic.models import FileJob, PartStatus
from store.models import Order, OrderItem
from tests.job_helpers import SKUS, import_outcome, job_id_from, stored_import, wait_for
from tests.order_files import order_sheet, write_csv
from tests.processes import BeatProcess, WorkerProcess, manage
from tests.rabbitmq import assert_on_rabbitmq
from tests.reliability.test_split_import import _done_parts, _wait_until_half_done_and_running_on

pytestmark = [pytest.mark.integration, pytest.mark.amqp, pytest.mark.django_db(transaction=True)]

LINES = 40_000


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
    beat = BeatProcess(env)
    doomed, survivor = (
        WorkerProcess(env, "--concurrency", "1", "--hostname", f"{name}@%h")
        for name in ("doomed", "survivor")
    )
    try:
        for process in (beat, doomed, survivor):
            process.wait_ready()
            assert_on_rabbitmq(process.text, amqp_url)
        queued = manage("excel_import", "order", str(path), "--user", operator.username, env=env)
        assert queued.returncode == 0, queued.stdout + queued.stderr
        job_id = job_id_from(queued.stdout)
        _wait_until_half_done_and_running_on(job_id, "doomed@", parts_done=3)
        doomed.kill()
        killed = FileJob.objects.get(pk=job_id).parts.get(
            status=PartStatus.RUNNING, worker__startswith="doomed@"
        )
        committed_orders = set(Order.objects.values_list("pk", "created_at", "updated_at"))
        committed_lines = set(OrderItem.objects.values_list("pk", "order_id"))
        done_before = _done_parts(job_id)
        job = wait_for(job_id, timeout=600)
    finally:
        for process in (doomed, survivor, beat):
            process.stop()

    assert job.parts.count() == 10  # parts of about 4,000 lines
    assert import_outcome(job) == expected  # no line lost, none twice
    # what was committed before the kill stayed as it was written the first time
    assert committed_orders <= set(Order.objects.values_list("pk", "created_at", "updated_at"))
    assert committed_lines <= set(OrderItem.objects.values_list("pk", "order_id"))
    assert len(done_before) >= 3
    assert _done_parts(job_id, numbers=done_before) == done_before
    killed.refresh_from_db()
    assert killed.status == PartStatus.DONE and killed.attempts == 2
    assert killed.worker.startswith("survivor@")
