"""A file that stops its worker (killed, or past the worker's memory cap) twice is failed,
saying so, and never given to a third worker."""

import zipfile

import pytest

from basic.filejobs.models import FileJob, JobStatus
from tests.job_helpers import SKUS, queue_import, wait_for, wait_until, wait_until_processed
from tests.order_files import HEADER, order_sheet, write_xlsx
from tests.processes import WorkerProcess
from tests.utils.xlsx_parts import MAIN, build, sheet_xml

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# excel_import queues in zh-hans: "this file stopped its worker 2 times ... will not be
# retried automatically"
STOPPED_TWICE = "此文件已使工作进程 2 次中止"


def test_a_job_whose_worker_was_killed_twice_is_failed_by_the_next_worker_not_run(
    operator, redis_env, tmp_path
):
    """No beat: the broker alone gives the killed workers' message to the next worker,
    which must fail the job rather than run it a third time."""
    path = write_xlsx(tmp_path / "big.xlsx", order_sheet(50_000, stores=["A001"], skus=SKUS).rows)
    first = WorkerProcess(redis_env, "--concurrency", "1")
    first.wait_ready()
    job_id = queue_import(redis_env, operator, path)
    wait_until_processed(job_id, 2_000)
    first.kill()
    after_first = FileJob.objects.get(pk=job_id).processed

    second = WorkerProcess(redis_env, "--concurrency", "1")
    second.wait_ready()
    wait_until(
        lambda: FileJob.objects.filter(pk=job_id, attempts=2, processed__gt=after_first).exists(),
        timeout=240,
    )
    second.kill()
    killed = FileJob.objects.get(pk=job_id)
    assert killed.status == JobStatus.RUNNING and killed.processed < 50_000

    third = WorkerProcess(redis_env, "--concurrency", "1")
    try:
        third.wait_ready()
        job = wait_for(job_id, timeout=300)
    finally:
        third.stop()

    assert job.status == JobStatus.FAILED
    assert job.message.startswith(STOPPED_TWICE) and "不会再自动重试" in job.message
    assert job.attempts == 2  # never claimed by the third worker
    assert job.processed == FileJob.objects.get(pk=job_id).processed  # nothing more written


def _many_shared_strings(path, count: int):
    """An order xlsx whose header cell points into a table of `count` distinct shared
    strings (within the reader's limit): reading the header loads the whole table."""
    head = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in HEADER)
    sheet = sheet_xml(f'<row r="1">{head}<c t="s"><v>0</v></c></row>')
    small = build(path.with_suffix(".small.xlsx"), sheet, shared="")
    strings = (
        "".join(f"<si><t>s{n:010d}</t></si>" for n in range(start, start + 100_000)).encode()
        for start in range(0, count, 100_000)
    )
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in source.namelist():
            if name != "xl/sharedStrings.xml":
                zf.writestr(name, source.read(name))
        with zf.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            part.writelines(strings)
            part.write(b"</sst>")
    return path


@pytest.mark.database_neutral  # the pool process's memory cap
def test_a_file_past_the_memory_cap_kills_its_pool_process_twice_and_fails(
    operator, redis_env, tmp_path
):
    """4,000,000 shared strings, which the reader holds (about 300 MB): under a cap of
    200 MB the pool process is killed while it reads, twice."""
    path = _many_shared_strings(tmp_path / "strings.xlsx", 4_000_000)
    env = {**redis_env, "OMS_WORKER_MAX_MEMORY_MB": "200", "OMS_MAX_UPLOAD_MB": "200"}
    worker = WorkerProcess(env, "--concurrency", "1")
    try:
        worker.wait_ready()
        job = wait_for(queue_import(env, operator, path), timeout=300)
        assert worker.proc.poll() is None  # the worker lives on, with a new pool process
    finally:
        worker.stop()

    assert job.status == JobStatus.FAILED, job.message
    assert job.message.startswith(STOPPED_TWICE)
    assert job.attempts == 2
    assert worker.text.count("past the cap of 200 MB (OMS_WORKER_MAX_MEMORY_MB): killed") == 2
