"""Uploads are limited before their body is stored, and workers accept JSON only."""

import time

import pytest
from django.test import Client

from basic.filejobs.models import FileJob
from oms_test.celery import app as celery_app
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_an_upload_over_the_limit_is_refused_before_its_body_is_stored(
    operator_factory, settings, tmp_path
):
    settings.MAX_UPLOAD_MB = 1
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # any parsed upload would land in FILE_UPLOAD_TEMP_DIR
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    client = Client(enforce_csrf_checks=True)  # as browsers: CSRF is checked, which reads the form
    client.force_login(operator_factory(StoreFactory()))
    client.get("/jobs/import/product/")
    token = client.cookies["csrftoken"].value
    body = b"x" * (2 * 1024 * 1024)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/jobs/import/",
        {"kind": "product", "file": SimpleUploadedFile("big.csv", body)},
        headers={"x-csrftoken": token},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert list(tmp_path.iterdir()) == []
    assert FileJob.objects.count() == 0


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_worker_refuses_pickled_messages(celery_worker):
    before = celery_worker.text.count("debug_task request")
    celery_app.send_task("oms_test.celery.debug_task", serializer="pickle")
    deadline = time.monotonic() + 30
    while "Refusing to deserialize untrusted content of type pickle" not in celery_worker.text:
        assert time.monotonic() < deadline, celery_worker.text[-3000:]
        time.sleep(0.2)
    assert celery_worker.text.count("debug_task request") == before  # it never ran
