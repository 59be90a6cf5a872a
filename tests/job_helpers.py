"""Driving file jobs from tests: upload through the API, wait for the worker, read reports."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from basic.jobs import job_wait
from basic.models import FileJob

SKUS = [f"SKU{i:04d}" for i in range(1, 41)]


def upload(client, path, *, kind="order", mode="", language="en"):
    with open(path, "rb") as handle:
        data = {"kind": kind, "file": SimpleUploadedFile(path.name, handle.read())}
    if mode:
        data["mode"] = mode
    response = client.post(reverse("api-job-import"), data, headers={"accept-language": language})
    assert response.status_code == 202, response.content
    return response.json()["id"]


def wait_for(job_id, timeout=180) -> FileJob:
    return job_wait(job_id=job_id, timeout=timeout, poll=0.2)


def read_report(client, job_id):
    response = client.get(reverse("api-job-error-report", args=[job_id]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.worksheets[0]
