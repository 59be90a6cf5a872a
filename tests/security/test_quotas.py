"""One user cannot fill or flood the system: jobs per hour, bytes kept, export duplicates."""

import re
import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from basic.filejobs import job_files
from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.requests import RequestRefused, import_job_create
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(operator_factory):
    return operator_factory(StoreFactory(code="A001"), username="ops")


@pytest.fixture
def client(ops):
    client = Client(headers={"accept-language": "en"})
    client.force_login(ops)
    return client


def _upload(client, content: bytes = b"sku_code,name\nSKU1,x\n", name="p.csv"):
    return client.post(
        "/api/jobs/import/", {"kind": "product", "file": SimpleUploadedFile(name, content)}
    )


def _stored_uploads(folder: str = "upload") -> set[str]:
    """Every upload's storage name."""
    storage = job_files.job_storage()
    if not storage.exists(folder):
        return set()
    folders, files = storage.listdir(folder)
    names = {f"{folder}/{name}" for name in files}
    return names.union(*(_stored_uploads(f"{folder}/{sub}") for sub in folders))


def test_the_26th_upload_within_the_hour_is_refused_with_429(client, settings):
    """The same file uploaded again as soon as its job ends, as a flooding script does."""
    settings.MAX_JOBS_PER_HOUR = 25  # the default (off in the rest of the test suite)
    for _ in range(25):
        response = _upload(client)
        assert response.status_code == 202
        FileJob.objects.filter(pk=response.json()["id"]).update(status=JobStatus.SUCCEEDED)
    stored = _stored_uploads()
    refused = _upload(client)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "too_many_jobs"
    assert re.fullmatch(
        r"You have started 25 jobs in the last hour, the most one user may\. "
        r"Try again in \d+ minutes?\.",
        error["message"],
    )
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert FileJob.objects.count() == 25
    assert _stored_uploads() == stored  # the refused file was not kept


def test_the_limits_by_default_are_25_jobs_an_hour_and_1024_mb(process_env):
    from tests.processes import run_python

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.MAX_JOBS_PER_HOUR, settings.MAX_STORED_MB_PER_USER)"
    )
    shown = run_python(code, env=process_env)  # no OMS_MAX_* variable set
    assert shown.stdout.split() == ["25", "1024"], shown.stderr


def test_an_hour_later_uploads_are_accepted_again(client, settings):
    settings.MAX_JOBS_PER_HOUR = 2
    assert _upload(client, b"sku_code,name\nSKU1,a\n").status_code == 202
    assert _upload(client, b"sku_code,name\nSKU1,b\n").status_code == 202
    assert _upload(client, b"sku_code,name\nSKU1,c\n").status_code == 429
    FileJob.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert _upload(client, b"sku_code,name\nSKU1,c\n").status_code == 202


def test_exports_count_too_and_superusers_have_no_limit(client, settings, roles):
    settings.MAX_JOBS_PER_HOUR = 2
    for status in ("paid", "shipped"):
        body = {"kind": "order", "format": "csv", "filters": {"status__exact": status}}
        assert (
            client.post("/api/jobs/export/", body, content_type="application/json").status_code
            == 202
        )
    body = {"kind": "order", "format": "csv", "filters": {"status__exact": "completed"}}
    assert (
        client.post("/api/jobs/export/", body, content_type="application/json").status_code == 429
    )
    root = Client()
    root.force_login(UserFactory(is_superuser=True))
    for n in range(3):
        assert _upload(root, f"sku_code,name\nSKU1,{n}\n".encode()).status_code == 202


def test_an_upload_past_the_bytes_kept_is_refused_until_old_uploads_expire(client, settings):
    settings.MAX_STORED_MB_PER_USER = 1
    big = b"sku_code,name\n" + b"SKU1,x\n" * 90_000  # about 630 KB
    first = _upload(client, big)
    assert first.status_code == 202
    refused = _upload(client, big + b"SKU2,y\n")
    assert refused.status_code == 429
    assert refused.json()["error"] == {
        "code": "storage_quota",
        "message": "Your files kept on the server (1 MB) and this one (1 MB) would pass your "
        "limit of 1 MB. Uploads are deleted 30 days after their job ends.",
    }
    FileJob.objects.filter(pk=first.json()["id"]).update(upload_name="")  # as expiry does
    assert _upload(client, big + b"SKU2,y\n").status_code == 202


def test_identical_exports_with_an_empty_extra_filter_return_the_first_job(client):
    def export(filters):
        body = {"kind": "order", "format": "csv", "filters": filters}
        response = client.post("/api/jobs/export/", body, content_type="application/json")
        assert response.status_code == 202
        return response.json()["id"]

    first = export({"status__exact": "paid"})
    assert export({"status__exact": "paid", "buyer_name": ""}) == first
    assert export({"status__exact": " paid ", "q": "  ", "o": "-3", "p": "7", "all": ""}) == first
    assert export({"status__exact": ["paid"], "store__id__exact": None}) == first
    assert export({"status__exact": "shipped"}) != first
    assert FileJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_never_both_take_the_last_place(
    settings, operator_factory, monkeypatch
):
    settings.MAX_JOBS_PER_HOUR = 1
    monkeypatch.setattr(
        "basic.filejobs.requests.job_enqueue_on_commit", lambda job: None
    )  # no worker here
    user = operator_factory(StoreFactory(), username="racer")
    start = threading.Barrier(2)
    outcomes = []
    before = _stored_uploads()

    def request(n):
        try:
            start.wait()
            upload = SimpleUploadedFile("p.csv", f"sku_code,name\nSKU1,{n}\n".encode())
            import_job_create(user=user, kind="product", uploaded=upload)
            outcomes.append("created")
        except RequestRefused as refused:
            outcomes.append(refused.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [429, "created"]
    job = FileJob.objects.get(owner=user)
    assert _stored_uploads() - before == {job.upload_name}  # the refused one's file is gone


def test_the_refusal_speaks_the_users_language(ops, settings):
    settings.MAX_JOBS_PER_HOUR = 1
    chinese = Client()  # zh-hans by default
    chinese.force_login(ops)
    assert _upload(chinese).status_code == 202
    message = _upload(chinese, b"sku_code,name\nSKU1,z\n").json()["error"]["message"]
    assert message.startswith("您在过去一小时内已启动 1 个任务")


def test_the_nightly_exports_and_the_commands_are_not_counted(ops, settings, tmp_path):
    """Whoever runs the system runs them: a designated user with many stores still gets
    every store's nightly export, and an operator's script on the server is not cut off."""
    from django.core.management import call_command

    from store.daily_export import daily_store_exports_create

    settings.MAX_JOBS_PER_HOUR = 1
    for code in ("N001", "N002"):
        store = StoreFactory(code=code, daily_export=True, daily_export_owner=ops)
        ops.stores.add(store)
    assert len(daily_store_exports_create()) == 2
    for n in range(2):
        path = tmp_path / f"p{n}.csv"
        path.write_text(f"sku_code,name\nSKU1,{n}\n")
        call_command("excel_import", "product", str(path), "--user", "ops")
    call_command("excel_export", "order", "--user", "ops", "--format", "csv")
    assert FileJob.objects.filter(owner=ops).count() == 5
