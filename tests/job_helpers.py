"""Driving file jobs from tests: upload through the API, wait for the worker, read reports."""

import io
import re
import time

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from basic.filejobs import job_files
from basic.filejobs.lifecycle import job_wait
from basic.filejobs.models import FileJob
from tests.processes import manage

SKUS = [f"SKU{i:04d}" for i in range(1, 41)]


def upload(client, path, *, kind="order", mode="", language="en"):
    with open(path, "rb") as handle:
        data = {"kind": kind, "file": SimpleUploadedFile(path.name, handle.read())}
    if mode:
        data["mode"] = mode
    response = client.post(reverse("api-job-import"), data, headers={"accept-language": language})
    assert response.status_code == 202, response.content
    return response.json()["id"]


def stored_import(user, path, *, kind="order", mode="create_or_update", language="en") -> FileJob:
    """A queued import of ``path``, stored as an upload would be, never sent to a broker:
    the test runs it itself (``basic.filejobs.runner.job_run``) or lets a worker take it."""
    from basic.filejobs.models import JobDirection

    fmt = path.suffix[1:]
    with path.open("rb") as file:
        stored = job_files.save(job_files.new_name("upload", fmt), file)
    return FileJob.objects.create(
        kind=kind,
        direction=JobDirection.IMPORT,
        mode=mode,
        file_format=fmt,
        owner=user,
        language=language,
        original_name=path.name,
        upload_name=stored,
    )


def wait_for(job_id, timeout=180) -> FileJob:
    return job_wait(job_id=job_id, timeout=timeout, poll=0.2)


def read_report(client, job_id):
    response = client.get(reverse("api-job-error-report", args=[job_id]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.worksheets[0]


def wait_until(condition, timeout: float = 60, what: str = "the condition") -> None:
    """Block until ``condition()`` is true (an assertion error after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not come true"
        time.sleep(0.05)


def wait_until_processed(job_id: int, rows: int, timeout: float = 120) -> None:
    """Block until the running job has committed at least ``rows`` rows (to act mid-job)."""
    reached = f"job {job_id} reaching {rows} rows"
    wait_until(lambda: FileJob.objects.get(pk=job_id).processed >= rows, timeout, reached)


def job_id_from(command_output: str) -> int:
    """The job id a job command printed ("job 42 queued")."""
    return int(re.search(r"job (\d+)", command_output).group(1))


def queue_import(env, operator, path) -> int:
    """The job id of ``path`` queued by `manage.py excel_import`, as an operator would."""
    queued = manage("excel_import", "order", str(path), "--user", operator.username, env=env)
    assert queued.returncode == 0, queued.stdout + queued.stderr
    return job_id_from(queued.stdout)


def database_state() -> tuple[list, list]:
    """Every order and order line, as comparable values."""
    from store.models import Order, OrderItem

    orders = sorted(
        Order.objects.values_list(
            "store__code",
            "platform_order_no",
            "status",
            "buyer_name",
            "freight",
            "ordered_at",
            "goods_amount",
            "total_amount",
        )
    )
    lines = sorted(
        OrderItem.objects.values_list(
            "order__platform_order_no",
            "line_no",
            "sku_code",
            "quantity",
            "unit_price",
            "amount",
        )
    )
    return orders, lines


def stored_report(job: FileJob) -> list[tuple]:
    """The job's error report, read from the job storage: every row's values."""
    if not job.error_report_name:
        return []
    with job_files.job_storage().open(job.error_report_name, "rb") as stored:
        book = openpyxl.load_workbook(io.BytesIO(stored.read()), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def import_outcome(job: FileJob) -> tuple:
    """What a user sees of an ended import: its counts, its error report, the orders."""
    counts = (job.status, job.processed, job.total, job.created, job.updated, job.unchanged)
    return (*counts, job.failed), stored_report(job), database_state()
