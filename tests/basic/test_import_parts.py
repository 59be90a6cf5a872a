"""Big imports cut into parts: the same result as one task, whatever the file's order.

These run the job and its parts in this process (Celery's eager mode sends each part
as a direct call), with small sizes so that a file of a thousand lines makes many
chunks and parts. tests/reliability/test_split_import.py runs 200,000 lines on real
worker processes.
"""

import pytest
from celery import current_app

from basic.filejobs import job_files
from basic.filejobs.lifecycle import job_cancel
from basic.filejobs.models import FileJob, ImportPart, JobStatus, PartStatus
from basic.filejobs.pipeline import imports, parts
from basic.filejobs.runner import job_run
from basic.filejobs.sweeper import jobs_sweep
from store.models import Order, OrderItem
from tests.basic.test_s3_storage import key, s3_env, use_bucket  # noqa: F401 (fixtures)
from tests.job_helpers import SKUS, import_outcome, stored_import
from tests.order_files import COL, order_sheet, write_csv, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_sizes(settings, monkeypatch):
    """Chunks of 50 rows; files of more than 300 rows are cut into parts of about 100."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 50)
    monkeypatch.setattr(parts, "CHUNK_ROWS", 50)
    settings.IMPORT_SPLIT_ROWS = 300
    settings.IMPORT_PART_ROWS = 100
    settings.IMPORT_PARTS_AT_ONCE = 3
    settings.MAX_RUNNING_JOBS_PER_USER = 0
    monkeypatch.setattr(current_app.conf, "task_always_eager", True)
    monkeypatch.setattr(current_app.conf, "task_eager_propagates", True)


def stored_part_files(job: FileJob) -> list[str]:
    """The files in the job storage's folder of the job's parts."""
    try:
        return job_files.job_storage().listdir(parts.payload_folder(job.pk))[1]
    except FileNotFoundError:
        return []


def _run(user, path, **kwargs) -> FileJob:
    job = stored_import(user, path, **kwargs)
    job_run(job_id=job.pk, worker="test")
    return FileJob.objects.get(pk=job.pk)


def _shuffled_order_file():
    """Orders with faults, plus lines that come back far from their order: more lines of
    an early order at the end, its SKU again on another line, a bad line of a
    long-finished order."""
    sheet = order_sheet(
        1_000, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=15
    )
    rows = [list(row) for row in sheet.rows]
    early = [row for row in rows[:30] if row[COL["商品编码"]] != SKUS[-1]]
    late = [list(row) for row in early[:6]]
    for row in late[:3]:
        row[COL["商品编码"]] = SKUS[-1]  # a new line of an order met 900 rows before
    late[3][COL["数量"]] = "abc"  # a bad late line of an early order
    rows[400:400] = [late[4]]  # an early line's SKU again, in the middle: one more line
    rows += late[:4]
    return rows


def test_a_split_import_gives_the_one_task_result_for_a_shuffled_file(
    operator, small_sizes, settings, tmp_path
):
    path = write_xlsx(tmp_path / "orders.xlsx", _shuffled_order_file())
    settings.IMPORT_SPLIT_ROWS = 10**9
    one_task = _run(operator, path)
    assert not one_task.parts.exists()
    expected = import_outcome(one_task)
    Order.objects.all().delete()

    settings.IMPORT_SPLIT_ROWS = 300
    split = _run(operator, path)

    # 1,005 lines: parts filled with 100 lines of new orders, late lines join their order's
    assert split.parts.count() == 10
    assert min(split.parts.values_list("rows", flat=True)) > 0
    assert set(split.parts.values_list("status", flat=True)) == {PartStatus.DONE}
    assert import_outcome(split) == expected
    assert split.status == JobStatus.SUCCEEDED and split.failed > 0 and split.updated > 0
    assert "is not a number" in str(expected[1])
    assert stored_part_files(split) == []  # deleted with the job's end


def test_a_csv_file_is_split_too_with_its_dates_and_numbers_intact(
    operator, small_sizes, settings, tmp_path
):
    rows = order_sheet(400, stores=["A001"], skus=SKUS).rows
    path = write_csv(tmp_path / "orders.csv", rows)
    settings.IMPORT_SPLIT_ROWS = 10**9
    expected = import_outcome(_run(operator, path))
    Order.objects.all().delete()
    settings.IMPORT_SPLIT_ROWS = 300

    split = _run(operator, path)

    assert split.parts.count() == 4
    assert import_outcome(split) == expected
    assert OrderItem.objects.count() == 400


def test_a_part_cells_keep_their_types(tmp_path):
    import datetime

    from utils.excel_read import CellError

    cells = [None, "文本", 1.5, 3, True, datetime.datetime(2026, 11, 24, 10, 30),
             datetime.date(2026, 11, 24), datetime.time(8, 15), CellError("#N/A"), "", -0.0,
             datetime.timedelta(days=1, hours=12, milliseconds=5)]  # fmt: skip
    line = parts.encode_segment(True, [[7, cells]])
    decoded = parts.json.loads(line, object_hook=parts._decode_object)
    assert decoded == {"cut": True, "rows": [[7, cells]]}
    assert [type(c) for c in decoded["rows"][0][1]] == [type(c) for c in cells]


def test_a_killed_part_is_run_again_and_committed_parts_are_not(
    operator, small_sizes, settings, monkeypatch, tmp_path
):
    """A part dies half-way (its worker is gone: the part stays running, its heartbeat
    stops); the sweeper sends it again, and only it."""
    path = write_xlsx(tmp_path / "orders.xlsx", order_sheet(600, stores=["A001"], skus=SKUS).rows)
    settings.IMPORT_PARTS_AT_ONCE = 1  # parts run one after the other
    real_run_part = parts.part_process
    calls = []

    def dies_on_the_third(part, job, claim):
        calls.append(part.number)
        if len(calls) == 3:
            raise SystemExit("worker killed")  # nothing of this part is committed
        return real_run_part(part, job, claim)

    monkeypatch.setattr(parts, "part_process", dies_on_the_third)
    job = stored_import(operator, path)
    with pytest.raises(SystemExit):
        job_run(job_id=job.pk, worker="test")

    done = dict(job.parts.filter(status=PartStatus.DONE).values_list("number", "finished_at"))
    assert len(done) == 2
    first_lines = dict(OrderItem.objects.values_list("pk", "order__updated_at"))
    assert OrderItem.objects.count() == sum(
        job.parts.filter(status=PartStatus.DONE).values_list("rows", flat=True)
    )
    killed = job.parts.get(status=PartStatus.RUNNING)
    ImportPart.objects.filter(pk=killed.pk).update(heartbeat_at="2000-01-01T00:00:00Z")

    assert jobs_sweep()["requeued"] == 1

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.processed, job.created, job.failed) == (600, 600, 0)
    assert OrderItem.objects.count() == 600
    assert sorted(calls) == sorted([*range(6), killed.number])  # only the killed part twice
    killed.refresh_from_db()
    assert killed.attempts == 2
    again = dict(job.parts.filter(number__in=done).values_list("number", "finished_at"))
    assert again == done
    for pk, updated_at in first_lines.items():
        assert OrderItem.objects.get(pk=pk).order.updated_at == updated_at


def test_cancelling_a_split_import_stops_the_parts_not_started(
    operator, small_sizes, settings, monkeypatch, tmp_path
):
    path = write_xlsx(tmp_path / "orders.xlsx", order_sheet(600, stores=["A001"], skus=SKUS).rows)
    settings.IMPORT_PARTS_AT_ONCE = 1
    real_run_part = parts.part_process

    def cancel_after_two(part, job, claim):
        if part.number == 2:
            job_cancel(job=FileJob.objects.get(pk=job.pk))
        return real_run_part(part, job, claim)

    monkeypatch.setattr(parts, "part_process", cancel_after_two)
    job = _run(operator, path)

    assert job.status == JobStatus.CANCELLED
    done = job.parts.filter(status=PartStatus.DONE)
    assert done.count() == 2
    assert OrderItem.objects.count() == job.processed == sum(done.values_list("rows", flat=True))
    assert not job.parts.filter(number__gt=2).exclude(status=PartStatus.PENDING).exists()


@pytest.mark.usefixtures("use_bucket")
def test_parts_go_through_the_bucket_and_are_gone_when_the_job_ends(
    operator, small_sizes, s3_server, monkeypatch, tmp_path
):
    sheet = order_sheet(600, stores=["A001", "B001"], skus=SKUS, fault_every=20)
    path = write_xlsx(tmp_path / "orders.xlsx", sheet.rows)
    read = []
    real_read = parts.read_segments
    monkeypatch.setattr(parts, "read_segments", lambda name: read.append(name) or real_read(name))

    job = _run(operator, path)

    assert job.status == JobStatus.SUCCEEDED and job.failed == len(sheet.rejected_rows)
    assert sorted(read) == [f"parts/{job.pk}/{n}.jsonl.gz" for n in range(6)]
    assert s3_server.object_keys() == {key(job.upload_name), key(job.error_report_name)}


def test_a_part_that_dies_twice_fails_the_job_and_retry_runs_only_the_rest(
    operator, small_sizes, settings, monkeypatch, tmp_path
):
    from basic.filejobs import dispatch, lifecycle

    path = write_xlsx(tmp_path / "orders.xlsx", order_sheet(600, stores=["A001"], skus=SKUS).rows)
    settings.IMPORT_PARTS_AT_ONCE = 1
    real_run_part = parts.part_process
    calls, deaths = [], []

    def part_two_dies_twice(part, job, claim):
        calls.append(part.number)
        if part.number == 2 and len(deaths) < 2:
            deaths.append(part.number)
            raise SystemExit("worker killed")
        return real_run_part(part, job, claim)

    monkeypatch.setattr(parts, "part_process", part_two_dies_twice)
    job = stored_import(operator, path)
    with pytest.raises(SystemExit):
        job_run(job_id=job.pk, worker="test")
    part_two = job.parts.filter(number=2)
    part_two.update(heartbeat_at="2000-01-01T00:00:00Z")
    with pytest.raises(SystemExit):
        jobs_sweep()  # sent again, and dies again
    part_two.update(heartbeat_at="2000-01-01T00:00:00Z")

    assert jobs_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped its worker 2 times" in job.message
    done = dict(job.parts.filter(status=PartStatus.DONE).values_list("number", "finished_at"))
    assert sorted(done) == [0, 1]

    monkeypatch.setattr(dispatch, "job_enqueue_on_commit", lambda job: None)
    assert lifecycle.job_retry(job=job)
    calls.clear()
    job_run(job_id=job.pk, worker="test")

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.processed, job.created, job.failed) == (600, 600, 0)
    assert OrderItem.objects.count() == 600
    assert calls == [2, 3, 4, 5]  # the committed parts were not run again
    assert dict(job.parts.filter(number__in=done).values_list("number", "finished_at")) == done
