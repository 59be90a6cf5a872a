"""The import API: what it accepts, what it refuses, and who sees what."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from basic.filejobs import job_files
from basic.filejobs.models import FileJob, ImportRowError, JobStatus
from tests.factories import StoreFactory, UserFactory
from tests.order_files import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

URL = "/api/jobs/import/"


@pytest.fixture
def operator(operator_factory):
    return operator_factory(StoreFactory(code="A001"))


@pytest.fixture
def xlsx_bytes(tmp_path):
    return write_xlsx(
        tmp_path / "o.xlsx",
        [
            [
                "A001",
                "P1",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "SKU1",
                "",
                1,
                "1.00",
            ]
        ],
    ).read_bytes()


def post(client, content: bytes, name="orders.xlsx", kind="order", **extra):
    return client.post(URL, {"kind": kind, "file": SimpleUploadedFile(name, content), **extra})


def test_upload_is_stored_and_answered_202_with_the_job(client, operator, xlsx_bytes):
    client.force_login(operator)
    response = post(client, xlsx_bytes, name="../../etc/订单 导入\x00.xlsx")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["url"] == f"/api/jobs/{body['id']}/"
    job = FileJob.objects.get(pk=body["id"])
    assert job.original_name == "订单 导入.xlsx"
    assert job.upload_name.startswith("upload/") and ".." not in job.upload_name
    assert job_files.job_storage().open(job.upload_name).read() == xlsx_bytes
    assert len(job.fingerprint) == 64 and job.file_format == "xlsx"


def test_same_file_while_queued_returns_the_same_job(client, operator, xlsx_bytes):
    client.force_login(operator)
    first = post(client, xlsx_bytes).json()["id"]
    second = post(client, xlsx_bytes, name="copy.xlsx").json()["id"]
    assert first == second and FileJob.objects.count() == 1
    FileJob.objects.filter(pk=first).update(status=JobStatus.SUCCEEDED)
    assert post(client, xlsx_bytes).json()["id"] != first


def test_content_decides_the_type_not_the_name(client, operator, tmp_path):
    client.force_login(operator)
    pdf = post(
        client,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)),
        name="x.xlsx",
    )
    assert pdf.status_code == 415
    assert pdf.json()["error"]["code"] == "unsupported_type"
    csv_named_xls = post(
        client, write_csv(tmp_path / "o.csv", [["A001", "P1"]]).read_bytes(), name="o.xls"
    )
    assert csv_named_xls.status_code == 202
    assert FileJob.objects.get(pk=csv_named_xls.json()["id"]).file_format == "csv"
    assert post(client, b"", name="empty.xlsx").status_code == 400


def test_too_large_is_413(client, operator, settings, xlsx_bytes):
    settings.MAX_UPLOAD_MB = 0
    client.force_login(operator)
    response = post(client, xlsx_bytes)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert FileJob.objects.count() == 0


def test_unknown_kind_is_400_and_missing_permission_403(client, operator, xlsx_bytes):
    client.force_login(operator)
    assert post(client, xlsx_bytes, kind="spaceship").status_code == 400
    forbidden = post(client, xlsx_bytes, kind="user")  # operators do not manage users
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["message"]


def test_anonymous_gets_401_json(client, xlsx_bytes):
    response = post(client, xlsx_bytes)
    assert response.status_code == 401
    assert client.get("/api/jobs/").status_code == 401


def test_csrf_is_enforced(operator, xlsx_bytes):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert post(client, xlsx_bytes).status_code == 403


def test_jobs_and_reports_are_visible_to_their_owner_only(client, operator, xlsx_bytes):
    client.force_login(operator)
    job_id = post(client, xlsx_bytes).json()["id"]
    job = FileJob.objects.get(pk=job_id)
    job.error_report_name = job_files.save(
        job_files.new_name("download", "xlsx"), SimpleUploadedFile("r.xlsx", b"report")
    )
    job.save()
    ImportRowError.objects.create(job=job, row_number=2, cells=["A001"], problems=[])

    listed = client.get("/api/jobs/?status=queued&kind=order").json()
    assert [j["id"] for j in listed["results"]] == [job_id]
    assert (
        client.get(f"/api/jobs/{job_id}/").json()["error_report_url"]
        == f"/api/jobs/{job_id}/error-report"
    )
    own = client.get(f"/api/jobs/{job_id}/error-report", headers={"accept-language": "zh-hans"})
    assert own.status_code == 200 and own["X-Content-Type-Options"] == "nosniff"
    stem = job.original_name.rsplit(".", 1)[0]
    assert own["Content-Disposition"].startswith("attachment")
    assert own["Content-Disposition"].endswith(f"filename*=utf-8''{quote(stem + '_错误.xlsx')}")

    client.force_login(UserFactory(username="other"))
    assert client.get(f"/api/jobs/{job_id}/").status_code == 404
    assert client.get(f"/api/jobs/{job_id}/error-report").status_code == 404
    assert client.get(reverse("job-page", args=[job_id])).status_code == 404
    assert client.get("/api/jobs/").json()["results"] == []

    client.force_login(UserFactory(username="root", is_superuser=True))
    assert client.get(f"/api/jobs/{job_id}/error-report").status_code == 200


def test_import_page_lists_columns_and_links_templates(client, operator):
    client.force_login(operator)
    page = client.get(reverse("import-page", args=["order"])).content.decode()
    assert "平台订单号" in page and "/api/templates/order.xlsx" in page
    changelist = client.get(reverse("admin:store_order_changelist")).content.decode()
    assert reverse("import-page", args=["order"]) in changelist
