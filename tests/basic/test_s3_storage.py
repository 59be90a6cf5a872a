"""Job files in S3-compatible object storage: a real moto server, real web and worker.

The web and the worker are separate processes, each a host of its own (files root, temp
dir), sharing the test database, one broker and the bucket; this test process uses the
same bucket through the settings those processes are built from.
"""

import io
import json
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from basic.filejobs import cron, job_files
from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.scratch import LOCK_NAME, process_dir
from tests.factories import PASSWORD
from tests.job_helpers import SKUS, wait_for
from tests.order_files import HEADER, order_sheet, write_xlsx
from tests.processes import (
    HttpSession,
    WebProcess,
    WorkerProcess,
    free_port,
    process_env_for,
    run_python,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PREFIX = "oms-test"  # OMS_S3_PREFIX: every key of the storage starts with it
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def key(name: str) -> str:
    return f"{PREFIX}/{name}"


def storage_settings(env: dict) -> dict:
    """STORAGES["jobs"] exactly as oms_test/settings.py builds it from ``env``."""
    done = run_python(
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['jobs']))",
        env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def s3_env(s3_server) -> dict:
    return {**s3_server.env, "OMS_S3_PREFIX": f"{PREFIX}/"}


@pytest.fixture
def use_bucket(s3_server, s3_env, settings, tmp_path):
    """This test process's job storage: the bucket the web and worker processes use."""
    jobs = storage_settings(process_env_for(tmp_path / "settings", **s3_env))
    assert jobs["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "jobs": jobs}
    assert job_files.job_storage().location == PREFIX
    return s3_server


@dataclass
class Hosts:
    web: WebProcess
    worker: WorkerProcess
    roots: dict[str, Path]


@pytest.fixture
def s3_hosts(s3_env, worker_database_url, tmp_path):
    """``manage.py runserver`` and ``celery -A oms_test worker`` configured for the bucket."""
    shared = {
        **s3_env,
        "OMS_VAR_DIR": str(tmp_path / "var"),  # one broker for the two, not the session's
        "OMS_DATABASE_URL": worker_database_url,
    }
    roots, envs = {}, {}
    for host in ("web", "worker"):
        roots[host] = tmp_path / host
        (roots[host] / "tmp").mkdir(parents=True)
        envs[host] = process_env_for(
            roots[host],
            **shared,
            TMPDIR=str(roots[host] / "tmp"),
            OMS_SCRATCH_DIR=str(roots[host] / "scratch"),
        )
    worker = WorkerProcess(envs["worker"], "--concurrency", "1")
    web = None
    try:
        worker.wait_ready()
        web = WebProcess(envs["web"])
        yield Hosts(web, worker, roots)
    finally:
        if web is not None:
            web.stop()
        worker.stop()


def _succeeded(job_id: int, worker: WorkerProcess) -> FileJob:
    try:
        job = wait_for(job_id, timeout=180)
    except TimeoutError:
        raise AssertionError(worker.text[-6000:]) from None
    assert job.status == JobStatus.SUCCEEDED, f"{job.message}\n{worker.text[-6000:]}"
    return job


def _fetch(url: str) -> tuple[bytes, str]:
    """The bytes at a signed URL, and the Content-Disposition the bucket answered with."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), response.headers.get("Content-Disposition", "")


def test_import_export_template_and_cleanup_through_the_bucket(
    operator, operator_factory, catalogue, s3_hosts, use_bucket, client, settings, tmp_path
):
    s3 = use_bucket
    browser = HttpSession(s3_hosts.web.url)
    browser.login(operator.username, PASSWORD)
    sheet = order_sheet(
        300, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=10
    )
    content = write_xlsx(tmp_path / "orders.xlsx", sheet.rows).read_bytes()

    # (a) An import with bad lines: the right counts; its error report downloads and reads back.
    status, _headers, body = browser.upload(
        "/api/jobs/import/", {"kind": "order"}, "订单.xlsx", content
    )
    assert status == 202, body
    imported = _succeeded(json.loads(body)["id"], s3_hosts.worker)
    assert sheet.rejected_rows and sheet.good_lines
    assert (imported.processed, imported.created, imported.failed) == (
        300,
        sheet.good_lines,
        len(sheet.rejected_rows),
    )
    assert s3.read(key(imported.upload_name)) == content
    status, headers, report = browser.get(f"/api/jobs/{imported.pk}/error-report")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    assert report == s3.read(key(imported.error_report_name))
    rows = openpyxl.load_workbook(io.BytesIO(report)).worksheets[0]
    assert [cell.value for cell in rows[1]][: len(HEADER)] == HEADER
    assert {row[-1].value for row in rows.iter_rows(min_row=2)} == sheet.rejected_rows

    # (b) An export: its file downloads from the result URL.
    status, _headers, body = browser.request(
        "POST",
        "/api/jobs/export/",
        json.dumps({"kind": "order", "format": "xlsx", "filters": {}}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 202, body
    exported = _succeeded(json.loads(body)["id"], s3_hosts.worker)
    status, headers, result = browser.get(f"/api/jobs/{exported.pk}/result")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    assert result == s3.read(key(exported.result_name))
    lines = openpyxl.load_workbook(io.BytesIO(result), read_only=True).worksheets[0]
    assert len(list(lines.iter_rows(values_only=True))) == 1 + sheet.good_lines

    # (c) The template (built in memory, no storage involved) still downloads.
    status, _headers, template = browser.get("/api/templates/order.xlsx")
    assert status == 200
    first_row = next(openpyxl.load_workbook(io.BytesIO(template)).worksheets[0].iter_rows())
    assert "平台订单号 *" in {cell.value for cell in first_row}  # required: marked

    # The bucket holds exactly the jobs' files, none readable by the public.
    names = {imported.upload_name, imported.error_report_name, exported.result_name}
    assert s3.object_keys() == {key(name) for name in names}
    for object_key in s3.object_keys():
        grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=object_key)["Grants"]
        assert not [g for g in grants if g["Grantee"].get("URI") == ALL_USERS], object_key

    # (f) Presigned downloads: the owner is sent to a short-lived URL of the bucket for the
    # same bytes; anyone else gets 404, never a URL.
    settings.S3_PRESIGNED_DOWNLOADS = True
    downloads = {
        reverse("api-job-result", args=[exported.pk]): result,
        reverse("api-job-error-report", args=[imported.pk]): report,
    }
    client.force_login(operator)
    for path, expected in downloads.items():
        response = client.get(path)
        assert response.status_code == 302, response.content
        url = response["Location"]
        assert url.startswith(f"{s3.endpoint}/{s3.bucket}/{PREFIX}/"), url
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
        fetched, disposition = _fetch(url)
        assert fetched == expected
        assert disposition.startswith("attachment;"), disposition
    client.force_login(operator_factory(catalogue[2], username="other"))
    for path in downloads:
        response = client.get(path)
        assert response.status_code == 404 and "Location" not in response
    settings.S3_PRESIGNED_DOWNLOADS = False

    # (d) Cleanup, as the cron job runs it: results and reports expire after 7 days,
    # uploads after 30; deleted from the bucket, forgotten by the rows.
    settings.UPLOAD_TTL_DAYS, settings.EXPORT_TTL_DAYS = 30, 7
    ten_days_ago = timezone.now() - timedelta(days=10)
    FileJob.objects.filter(pk__in=[imported.pk, exported.pk]).update(finished_at=ten_days_ago)
    cron.job_files_expire()
    imported.refresh_from_db()
    exported.refresh_from_db()
    assert (imported.error_report_name, exported.result_name) == ("", "")
    assert imported.upload_name
    kept = FileJob.objects.values_list("upload_name", "result_name", "error_report_name")
    assert s3.object_keys() == {key(name) for row in kept for name in row if name}
    assert s3.object_keys() == {key(imported.upload_name)}

    # (e) No job file on any host's disk, and no temporary copy left behind.
    for root in s3_hosts.roots.values():
        assert [p for p in (root / "files").rglob("*") if p.is_file()] == []
        scratch = root / "scratch"
        assert [p for p in scratch.rglob("*") if p.is_file() and p.name != LOCK_NAME] == []
    assert not [name for name in names if (settings.FILES_ROOT / name).exists()]


def test_a_local_copy_of_a_bucket_object_is_deleted_whatever_happens(
    use_bucket, tmp_path, settings
):
    settings.SCRATCH_DIR = tmp_path / "scratch"
    data = b"x" * (3 * 1024 * 1024)  # past max_memory_size: the download spools to disk
    name = job_files.save(job_files.new_name("upload", "xlsx"), ContentFile(data))
    assert use_bucket.object_keys() == {key(name)}

    with pytest.raises(RuntimeError), job_files.local_copy(name) as path:
        temp_dir = process_dir()
        assert temp_dir.parent == settings.SCRATCH_DIR and path.parent == temp_dir
        assert path.read_bytes() == data
        raise RuntimeError("the reader failed")

    assert [p.name for p in temp_dir.iterdir()] == [LOCK_NAME]


def test_an_upload_the_bucket_cannot_take_is_refused_with_507(
    client, operator, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # boto3 would retry with back-off
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    env = process_env_for(
        tmp_path,
        OMS_S3_BUCKET="oms-jobs",
        OMS_S3_ENDPOINT_URL=nothing_listens,
        OMS_S3_ACCESS_KEY_ID="oms-test",
        OMS_S3_SECRET_ACCESS_KEY="oms-test-secret",
        OMS_S3_REGION="us-east-1",
    )
    settings.STORAGES = {**settings.STORAGES, "jobs": storage_settings(env)}
    content = write_xlsx(
        tmp_path / "o.xlsx", order_sheet(5, stores=["A001"], skus=SKUS).rows
    ).read_bytes()
    client.force_login(operator)

    response = client.post(
        reverse("api-job-import"),
        {"kind": "order", "file": SimpleUploadedFile("o.xlsx", content)},
    )

    assert response.status_code == 507, response.content
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert not FileJob.objects.exists()
