"""Disk full or an unwritable files/ directory: a clear error, and no job without its file."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from basic.models import FileJob
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
    subprocess.run(["umount", str(mount_point)], check=True)


def test_disk_full_is_a_clear_error_and_no_job(uploader, full_disk):
    big = ("商品编码,商品名称\n" + "SKU1,橙子\n" * 30_000).encode()  # about 300 KB
    with override_settings(STORAGES=_storages_at(full_disk)):
        response = _upload(uploader, big)
    assert response.status_code == 507
    assert "存储" in response.json()["error"]["message"]
    assert FileJob.objects.count() == 0
    assert not any(full_disk.rglob("*.csv"))  # no partial file left behind
