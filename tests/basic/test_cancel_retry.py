"""Cancel stops an import at a chunk boundary; retry runs a failed job again."""

import time

import pytest
from django.urls import reverse

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.runner import job_run
from store.models import Order, OrderItem
from tests.job_helpers import SKUS, stored_import, upload, wait_for, wait_until_processed
from tests.order_files import order_sheet, write_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_cancel_a_running_import_keeps_exactly_the_committed_rows(
    client, operator, celery_worker, tmp_path
):
    path = write_xlsx(tmp_path / "big.xlsx", order_sheet(40_000, stores=["A001"], skus=SKUS).rows)
    client.force_login(operator)
    job_id = upload(client, path)
    wait_until_processed(job_id, 2_000)

    response = client.post(reverse("api-job-cancel", args=[job_id]))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    time.sleep(2)  # let the worker reach its next chunk boundary
    job = wait_for(job_id)

    assert job.status == JobStatus.CANCELLED
    assert 0 < job.processed < 40_000
    assert OrderItem.objects.count() == job.created == job.processed
    assert client.post(reverse("api-job-cancel", args=[job_id])).status_code == 409


def test_retry_runs_a_failed_job_again_with_the_same_file(
    client, operator, celery_worker, tmp_path
):
    path = write_xlsx(tmp_path / "o.xlsx", order_sheet(30, stores=["A001"], skus=SKUS).rows)
    client.force_login(operator)
    job = wait_for(upload(client, path))
    Order.objects.all().delete()  # as if the first run had failed before writing
    FileJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        message="database went away",
        processed=0,
        created=0,
        resume_after=0,
    )

    response = client.post(reverse("api-job-retry", args=[job.pk]))

    assert response.status_code == 202
    job = wait_for(job.pk)
    assert job.status == JobStatus.SUCCEEDED and job.created == 30
    assert OrderItem.objects.count() == 30
    assert client.post(reverse("api-job-retry", args=[job.pk])).status_code == 409


def test_a_job_started_in_chinese_and_retried_in_english_speaks_english(
    client, operator, celery_worker, tmp_path
):
    path = write_xlsx(tmp_path / "o.xlsx", order_sheet(5, stores=["A001"], skus=SKUS).rows)
    client.force_login(operator)
    job = wait_for(upload(client, path, language="zh-hans"))
    assert job.message.startswith("共读取 5 行"), job.message
    Order.objects.all().delete()  # as if the first run had failed before writing
    FileJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, message="数据库连接中断", processed=0, created=0, resume_after=0
    )

    response = client.post(
        reverse("api-job-retry", args=[job.pk]), headers={"accept-language": "en"}
    )

    assert response.status_code == 202
    job = wait_for(job.pk)
    assert job.status == JobStatus.SUCCEEDED and job.language == "en"
    assert job.message.startswith("5 rows read: 5 created"), job.message


def test_a_file_refused_for_itself_is_not_offered_a_retry_and_says_why(client, operator, tmp_path):
    path = tmp_path / "no_sku.csv"
    path.write_text("店铺编码,平台订单号\nA001,X-1\n", encoding="utf-8")
    job = stored_import(operator, path)
    job_run(job_id=job.pk, worker="only")
    client.force_login(operator)

    english = {"accept-language": "en"}
    shown = client.get(reverse("api-job-detail", args=[job.pk]), headers=english).json()
    assert shown["status"] == "failed" and "missing required columns" in shown["message"]
    assert shown["retry_url"] is None
    assert shown["status_note"].startswith("Retrying cannot help: the file itself was refused")
    response = client.post(reverse("api-job-retry", args=[job.pk]), headers=english)
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("Retrying cannot help")
    assert FileJob.objects.get(pk=job.pk).status == JobStatus.FAILED  # never queued again


def test_a_cancelled_import_keeps_the_error_report_of_the_rows_it_processed(
    client, operator, tmp_path, monkeypatch
):
    from basic.filejobs.lifecycle import job_cancel
    from basic.filejobs.pipeline import imports
    from tests.job_helpers import read_report

    sheet = order_sheet(600, stores=["A001", "B001"], skus=SKUS, fault_every=5)
    job = stored_import(operator, write_xlsx(tmp_path / "faulty.xlsx", sheet.rows))
    monkeypatch.setattr(imports, "CHUNK_ROWS", 100)
    chunks = []
    process_chunk = imports.process_chunk

    def cancel_after_two_chunks(rows, ctx, *args, **kwargs):
        process_chunk(rows, ctx, *args, **kwargs)
        chunks.append(rows[-1].number)
        if len(chunks) == 2:  # the owner cancels while the third chunk is being read
            job_cancel(job=ctx.job)

    monkeypatch.setattr(imports, "process_chunk", cancel_after_two_chunks)
    job_run(job_id=job.pk, worker="test")
    job = FileJob.objects.get(pk=job.pk)

    assert job.status == JobStatus.CANCELLED and 0 < job.failed < len(sheet.rejected_rows)
    client.force_login(operator)
    shown = client.get(reverse("api-job-detail", args=[job.pk])).json()
    assert shown["error_report_url"]
    reported = {row[-1].value for row in read_report(client, job.pk).iter_rows(min_row=2)}
    committed = {n for n in sheet.rejected_rows if n <= job.resume_after}
    assert reported == committed and len(reported) == job.failed
    page = client.get(reverse("job-page", args=[job.pk]), headers={"accept-language": "en"})
    assert "Download error report" in page.content.decode()
