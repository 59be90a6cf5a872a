"""A 200,000-line import cut into parts on two real worker processes, then again with
one of them killed with kill -9 half-way: both times the same counts, rows and error
report as one worker running it as one task, and no committed part run again."""

import pytest

from basic.models import FileJob, JobStatus, PartStatus
from store.models import Order, OrderItem
from tests.job_helpers import SKUS, import_outcome, job_id_from, wait_for
from tests.order_files import order_sheet, write_csv
from tests.processes import BeatProcess, WorkerProcess, manage

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


def _import(env, operator, path) -> int:
    queued = manage("excel_import", "order", str(path), "--user", operator.username, env=env)
    assert queued.returncode == 0, queued.stdout + queued.stderr
    return job_id_from(queued.stdout)


def _one_worker_one_task(env, operator, path) -> tuple:
    (worker,) = _workers(env, "single", OMS_IMPORT_SPLIT_ROWS=str(10**9))
    try:
        job = wait_for(_import(env, operator, path), timeout=900)
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
        job = wait_for(_import(redis_env, operator, order_file), timeout=900)
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
        job_id = _import(redis_env, operator, order_file)
        _wait_until_half_done_and_running_on(job_id, "doomed@")
        doomed.kill()
        killed = FileJob.objects.get(pk=job_id).parts.get(
            status=PartStatus.RUNNING, worker__startswith="doomed@"
        )
        committed_orders = set(Order.objects.values_list("pk", "created_at", "updated_at"))
        committed_lines = set(OrderItem.objects.values_list("pk", "order_id"))
        done_before = _done_parts(job_id)
        job = wait_for(job_id, timeout=900)
    finally:
        for process in (doomed, survivor, beat):
            process.stop()

    assert import_outcome(job) == expected  # no line lost, none twice
    # what was committed before the kill stayed as it was written the first time
    assert committed_orders <= set(Order.objects.values_list("pk", "created_at", "updated_at"))
    assert committed_lines <= set(OrderItem.objects.values_list("pk", "order_id"))
    assert len(done_before) >= 6
    assert _done_parts(job_id, numbers=done_before) == done_before
    killed.refresh_from_db()
    assert killed.status == PartStatus.DONE and killed.attempts == 2
    assert killed.worker.startswith("survivor@")


def _done_parts(job_id: int, numbers=None) -> dict:
    parts = FileJob.objects.get(pk=job_id).parts.filter(status=PartStatus.DONE)
    if numbers is not None:
        parts = parts.filter(number__in=numbers)
    return {
        number: (attempts, finished)
        for number, attempts, finished in parts.values_list("number", "attempts", "finished_at")
    }


def _wait_until_half_done_and_running_on(
    job_id: int, worker: str, timeout: float = 600, parts_done: int = 6
) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = FileJob.objects.get(pk=job_id)
        assert job.status == JobStatus.RUNNING, job.message
        done = job.parts.filter(status=PartStatus.DONE).count()
        running = job.parts.filter(status=PartStatus.RUNNING, worker__startswith=worker)
        if done >= parts_done and running:
            return
        time.sleep(0.05)
    raise TimeoutError(
        f"job {job_id} never had {parts_done} parts done and one running on {worker}"
    )
