"""A 200,000-line import cut into parts on two real worker processes, then again with
one of them killed with kill -9 half-way: both times the same counts, rows and error
report as one worker running it as one task, and no committed part run again."""

import pytest

from basic.filejobs.models import JobStatus
from store.models import Order
from tests.job_helpers import SKUS, import_outcome, queue_import, wait_for
from tests.order_files import order_sheet, write_csv
from tests.processes import BeatProcess, WorkerProcess
from tests.split_imports import AtTheKill, wait_until_parts_done_and_running_on

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

LINES = 200_000


@pytest.fixture
def order_file(tmp_path):
    sheet = order_sheet(
        LINES, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=50
    )
    return write_csv(tmp_path / "orders.csv", sheet.rows)


def _workers(env, *names: str, **more_env: str) -> list[WorkerProcess]:
    workers = [
        WorkerProcess({**env, **more_env}, "--concurrency", "1", "--hostname", f"{name}@%h")
        for name in names
    ]
    for worker in workers:
        worker.wait_ready()
    return workers


def _one_worker_one_task(env, operator, path) -> tuple:
    (worker,) = _workers(env, "single", OMS_IMPORT_SPLIT_ROWS=str(10**9))
    try:
        job = wait_for(queue_import(env, operator, path), timeout=900)
    finally:
        worker.stop()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert not job.parts.exists() and job.failed > 0
    outcome = import_outcome(job)
    Order.objects.all().delete()
    return outcome


def test_two_workers_give_the_result_of_one_even_when_one_is_killed(
    redis_env, operator, order_file
):
    expected = _one_worker_one_task(redis_env, operator, order_file)

    workers = _workers(redis_env, "first", "second")
    try:
        job = wait_for(queue_import(redis_env, operator, order_file), timeout=900)
    finally:
        for worker in workers:
            worker.stop()
    assert import_outcome(job) == expected
    assert job.parts.count() == 20  # parts of about 10,000 lines
    ran_on = {worker.split("@")[0] for worker in job.parts.values_list("worker", flat=True)}
    assert ran_on == {"first", "second"}
    Order.objects.all().delete()

    beat = BeatProcess(redis_env)
    doomed, survivor = _workers(redis_env, "doomed", "survivor")
    try:
        beat.wait_ready()
        job_id = queue_import(redis_env, operator, order_file)
        wait_until_parts_done_and_running_on(job_id, "doomed@", parts_done=6)
        doomed.kill()
        at_the_kill = AtTheKill.record(job_id, "doomed")
        job = wait_for(job_id, timeout=900)
    finally:
        for process in (doomed, survivor, beat):
            process.stop()

    at_the_kill.assert_finished_by("survivor", job, expected, parts_done=6)
