"""Disk full or an unwritable files/ directory: a clear error, and no job without its file."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from basic.filejobs.models import FileJob
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _storages_at(location) -> dict:
    from django.conf import settings

    return {
        **settings.STORAGES,
        "jobs": {**settings.STORAGES["jobs"], "OPTIONS": {"location": str(location)}},
    }


def _upload(client, content: bytes):
    return client.post(
        "/api/jobs/import/", {"kind": "product", "file": SimpleUploadedFile("p.csv", content)}
    )


@pytest.fixture
def uploader(client, operator_factory):
    client.force_login(operator_factory(StoreFactory(code="A001")))
    return client


def test_unwritable_files_directory_is_a_clear_error_and_no_job(uploader, tmp_path):
    root = tmp_path / "files"
    root.mkdir()
    (root / "upload").write_text("a file where the upload folder should be")
    with override_settings(STORAGES=_storages_at(root)):
        response = _upload(uploader, "商品编码,商品名称\nSKU1,橙子\n".encode())
    assert response.status_code == 507
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert FileJob.objects.count() == 0


@pytest.fixture
def full_disk(tmp_path):
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here to fill a disk: {mounted.stderr.strip()}")
    yield mount_point
    # lazily: a test process may keep its scratch folder's lock open there
    subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def test_disk_full_is_a_clear_error_and_no_job(uploader, full_disk):
    big = ("商品编码,商品名称\n" + "SKU1,橙子\n" * 30_000).encode()  # about 300 KB
    with override_settings(STORAGES=_storages_at(full_disk)):
        response = _upload(uploader, big)
    assert response.status_code == 507
    assert "存储" in response.json()["error"]["message"]
    assert FileJob.objects.count() == 0
    assert not any(full_disk.rglob("*.csv"))  # no partial file left behind


# A disk that fills while a job writes its files: the job fails in the user's words -----


def _fill(folder) -> None:
    """Fill the file system of ``folder`` to its last byte."""
    import os

    descriptor = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _assert_failed_for_lack_of_space(job_id):
    job = FileJob.objects.get(pk=job_id)
    assert job.status == "failed"
    assert "no space left" in job.message and "Retry it once there is space" in job.message
    assert "unexpected" not in job.message
    return job


@pytest.mark.django_db(transaction=True)
def test_an_export_into_a_full_storage_fails_saying_so(admin_user, full_disk, monkeypatch):
    from basic.filejobs import dispatch
    from basic.filejobs.lifecycle import job_retry
    from basic.filejobs.models import JobDirection
    from basic.filejobs.runner import job_run
    from tests.basic.test_export import _bulk_orders

    _bulk_orders(StoreFactory(code="A001"), 3_000)  # about 90 KB of xlsx: more than the disk
    job = FileJob.objects.create(
        kind="order", direction=JobDirection.EXPORT, file_format="xlsx", owner=admin_user,
        language="en", options={"filters": {}, "ids": None},
    )  # fmt: skip
    with override_settings(STORAGES=_storages_at(full_disk)):
        job_run(job_id=job.pk, worker="test")

    job = _assert_failed_for_lack_of_space(job.pk)
    assert not job.result_name and not any(full_disk.rglob("*.xlsx"))
    monkeypatch.setattr(dispatch, "job_enqueue_on_commit", lambda job: None)
    assert job_retry(job=job)  # offered again: it will work once there is space


@pytest.mark.django_db(transaction=True)
def test_an_error_report_into_a_full_storage_fails_saying_so(admin_user, full_disk):
    from basic.filejobs.runner import job_run
    from tests.job_helpers import stored_import
    from tests.order_files import write_csv

    rows = [[f"SKU{i:05d}", "", "abc"] for i in range(300)]  # every row rejected
    path = write_csv(full_disk.parent / "bad.csv", rows, header=["商品编码", "商品名称", "售价"])
    with override_settings(STORAGES=_storages_at(full_disk)):
        job = stored_import(admin_user, path, kind="product")
        _fill(full_disk)
        job_run(job_id=job.pk, worker="test")

    job = _assert_failed_for_lack_of_space(job.pk)
    assert job.processed == job.failed == 300  # the rejected rows were recorded
    assert not job.error_report_name


@pytest.mark.django_db(transaction=True)
def test_parts_of_a_split_import_into_a_full_storage_fail_saying_so(operator, full_disk, settings):
    from basic.filejobs.runner import job_run
    from tests.job_helpers import SKUS, stored_import
    from tests.order_files import order_sheet, write_csv

    settings.IMPORT_SPLIT_ROWS, settings.IMPORT_PART_ROWS = 50, 50
    path = write_csv(full_disk.parent / "o.csv", order_sheet(150, stores=["A001"], skus=SKUS).rows)
    with override_settings(STORAGES=_storages_at(full_disk)):
        job = stored_import(operator, path)
        _fill(full_disk)
        job_run(job_id=job.pk, worker="test")

    job = _assert_failed_for_lack_of_space(job.pk)
    assert not job.parts.exists() and not any(full_disk.rglob("*.jsonl.gz"))


@pytest.mark.django_db(transaction=True)
def test_a_full_scratch_disk_fails_the_export_saying_so(admin_user, full_disk, settings):
    from basic.filejobs.models import JobDirection
    from basic.filejobs.runner import job_run
    from tests.basic.test_export import _bulk_orders

    settings.SCRATCH_DIR = full_disk / "scratch"  # where the worker writes before storing
    _bulk_orders(StoreFactory(code="A001"), 3_000)
    job = FileJob.objects.create(
        kind="order", direction=JobDirection.EXPORT, file_format="xlsx", owner=admin_user,
        language="en", options={"filters": {}, "ids": None},
    )  # fmt: skip
    job_run(job_id=job.pk, worker="test")

    _assert_failed_for_lack_of_space(job.pk)
