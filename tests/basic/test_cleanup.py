"""Expiry of job files and job rows: exactly the expired files of ended jobs."""

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from basic.filejobs import cleanup, job_files
from basic.filejobs.models import FileJob, ImportPart, JobStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _stored(folder="upload"):
    return job_files.save(job_files.new_name(folder, "xlsx"), ContentFile(b"data"))


def _job(status, finished_days_ago=None, **names):
    finished = (
        timezone.now() - timedelta(days=finished_days_ago)
        if finished_days_ago is not None
        else None
    )
    return FileJob.objects.create(
        kind="order",
        direction="import",
        owner=UserFactory(),
        status=status,
        finished_at=finished,
        **names,
    )


def test_deletes_exactly_the_expired_files_of_ended_jobs(settings):
    settings.UPLOAD_TTL_DAYS, settings.EXPORT_TTL_DAYS = 30, 7
    storage = job_files.job_storage()
    old_upload = _job(
        JobStatus.SUCCEEDED, 31, upload_name=_stored(), error_report_name=_stored("download")
    )
    old_export = _job(JobStatus.FAILED, 8, result_name=_stored("download"), upload_name=_stored())
    fresh = _job(JobStatus.SUCCEEDED, 1, upload_name=_stored(), result_name=_stored("download"))
    running = _job(JobStatus.RUNNING, upload_name=_stored())
    queued = _job(JobStatus.QUEUED, upload_name=_stored())
    elsewhere = _job(JobStatus.SUCCEEDED, 40, upload_name="upload/2026/01/01/on-another-host.xlsx")
    # the rows of a split import's parts go with the upload
    old_parts = _job(JobStatus.FAILED, 31)
    old_part = ImportPart.objects.create(job=old_parts, number=0, payload_name=_stored("parts"))
    running_part = ImportPart.objects.create(job=running, number=0, payload_name=_stored("parts"))
    keep = [fresh.upload_name, fresh.result_name, running.upload_name, queued.upload_name,
            old_export.upload_name, running_part.payload_name]  # fmt: skip
    gone = [old_upload.upload_name, old_upload.error_report_name, old_export.result_name,
            old_part.payload_name]  # fmt: skip

    deleted = cleanup.job_files_expire()

    assert deleted == {
        "upload_name": 1,
        "result_name": 1,
        "error_report_name": 1,
        "part_payloads": 1,
    }
    assert all(storage.exists(name) for name in keep)
    assert not any(storage.exists(name) for name in gone)
    old_upload.refresh_from_db()
    assert old_upload.upload_name == "" and old_upload.error_report_name == ""
    elsewhere.refresh_from_db()
    assert elsewhere.upload_name  # still named: that host's cron deletes it


def test_history_purge_removes_old_ended_jobs_with_their_files(settings):
    settings.JOB_HISTORY_DAYS = 90
    old = _job(JobStatus.SUCCEEDED, 91, upload_name=_stored())
    part = ImportPart.objects.create(job=old, number=0, payload_name=_stored("parts"))
    recent = _job(JobStatus.SUCCEEDED, 10)
    active = _job(JobStatus.RUNNING)
    assert cleanup.job_history_purge() == 1
    assert set(FileJob.objects.values_list("pk", flat=True)) == {recent.pk, active.pk}
    assert not job_files.job_storage().exists(old.upload_name)
    assert not job_files.job_storage().exists(part.payload_name)


def test_log_files_past_retention_are_deleted(tmp_path, settings):
    settings.LOG_DIR = tmp_path
    (tmp_path / "web").mkdir()
    old, new = tmp_path / "web" / "web_2026-01-01.log", tmp_path / "web" / "web_2026-11-25.log"
    old.write_text("old"), new.write_text("new")
    long_ago = time.time() - (settings.LOG_RETENTION_DAYS + 1) * 86400
    os.utime(old, (long_ago, long_ago))
    assert cleanup.log_files_expire() == 1
    assert not old.exists() and new.exists()
