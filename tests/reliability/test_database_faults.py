"""The database failing in the middle of a chunk: that chunk rolls back whole, the rows it
refuses are reported, committed chunks stay as they are."""

import os

import pytest
from django.db import connection

from basic.filejobs.models import JobStatus
from basic.models import Product
from store.models import Order, OrderItem
from tests.job_helpers import SKUS, job_id_from, upload, wait_for, wait_until_processed
from tests.order_files import order_sheet, write_csv, write_xlsx
from tests.processes import WorkerProcess, manage

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def refuse_boom_skus():
    """A rule only the database knows: product codes starting with BOOM are refused."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON basic_product "
                "WHEN NEW.sku_code LIKE 'BOOM%' BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"
            )
            drop = "DROP TRIGGER refuse_boom"
        else:
            cursor.execute(
                "ALTER TABLE basic_product ADD CONSTRAINT refuse_boom CHECK (sku_code NOT LIKE 'BOOM%')"
            )
            drop = "ALTER TABLE basic_product DROP CONSTRAINT refuse_boom"
    yield
    with connection.cursor() as cursor:
        cursor.execute(drop)


def test_rows_refused_by_the_database_are_reported_and_the_rest_written(
    admin_client, refuse_boom_skus, celery_worker, tmp_path
):
    rows = [[f"SKU{i:05d}", f"商品{i}", "19.90"] for i in range(5000)]
    rows[2999][0], rows[4499][0] = "BOOM1", "BOOM2"  # sheet rows 3001 and 4501, in two chunks
    path = write_csv(tmp_path / "products.csv", rows, header=["商品编码", "商品名称", "售价"])

    job = wait_for(upload(admin_client, path, kind="product"))

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.created, job.failed) == (4998, 2)
    assert Product.objects.count() == 4998
    errors = {e.row_number: e.problems[0]["message"] for e in job.row_errors.all()}
    assert set(errors) == {3001, 4501}
    assert all(
        "refused by the database" in message or "CONSTRAINT" in message
        for message in errors.values()
    )


def test_connection_killed_mid_import_resumes_without_duplicates(
    operator, worker_database_url, tmp_path
):
    if connection.vendor != "mysql":
        pytest.skip(
            "killing a server-side connection is a MySQL/MariaDB test (runs in the MySQL pass)"
        )
    sheet = order_sheet(30_000, stores=["A001", "B001"], skus=SKUS)
    path = write_xlsx(tmp_path / "big.xlsx", sheet.rows)
    env = {**os.environ, "OMS_DATABASE_URL": worker_database_url, "OMS_JOB_STALE_MINUTES": "0.1",
           "OMS_VAR_DIR": str(tmp_path / "var")}  # fmt: skip
    worker = WorkerProcess(env, "--concurrency", "1")
    try:
        worker.wait_ready()
        queued = manage("excel_import", "order", str(path), "--user", operator.username, env=env)
        job_id = job_id_from(queued.stdout)
        wait_until_processed(job_id, 4_000)
        with connection.cursor() as cursor:  # as a database restart would, for the worker
            cursor.execute(
                "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            )
            for (thread_id,) in cursor.fetchall():
                cursor.execute(f"KILL {int(thread_id)}")
        try:
            job = wait_for(job_id, timeout=120)
        except TimeoutError:
            raise AssertionError(worker.text[-6000:]) from None
    finally:
        worker.stop()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.processed, job.created, job.failed) == (30_000, 30_000, 0)
    assert OrderItem.objects.count() == 30_000
    assert Order.objects.count() == len(sheet.good_orders)


def test_a_full_sqlite_database_fails_the_job_saying_so_after_a_few_tries(
    operator, tmp_path, monkeypatch
):
    """SQLite's "database or disk is full" (SQLITE_FULL: its disk or its temporary
    folder is full) is no lost connection: the run tries again a few times, resuming
    after its last committed chunk, then fails the job in words the user can act on."""
    from basic.filejobs import runner
    from basic.filejobs.pipeline import import_job
    from tests.job_helpers import stored_import

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own disk-full error (MySQL has its own codes)")
    monkeypatch.setattr(runner, "DATABASE_FULL_WAIT_SECONDS", 0)
    path = write_csv(tmp_path / "o.csv", order_sheet(8_000, stores=["A001"], skus=SKUS).rows)
    job = stored_import(operator, path)
    tries = []
    real_import_run = import_job.import_run
    monkeypatch.setattr(import_job, "import_run", lambda *a: tries.append(1) or real_import_run(*a))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")  # no free pages left from earlier tests to fill first
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 400}")  # room for a chunk or two
    try:
        runner.job_run(job_id=job.pk, worker="test")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 4294967294")

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "the database has no space left" in job.message
    assert len(tries) == runner.DATABASE_FULL_TRIES
    assert 0 < job.processed < 8_000  # what fitted was committed, and is kept
    assert OrderItem.objects.count() == job.processed
