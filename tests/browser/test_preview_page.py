"""A preview's page in a real Chromium: its rows imported for real with one click."""

import re

import pytest

from basic.filejobs.models import FileJob, ImportMode, JobStatus
from basic.filejobs.runner import job_run
from tests.browser.conftest import log_in
from tests.job_helpers import SKUS, stored_import
from tests.order_files import order_sheet, write_xlsx

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.database_neutral,
]


def test_a_preview_is_imported_from_its_page(open_browser, operator, tmp_path, monkeypatch):
    # The jobs run in this process: the live server's thread shares it.
    monkeypatch.setattr("basic.filejobs.requests.job_enqueue_on_commit", lambda job: None)
    sheet = order_sheet(200, stores=["A001", "B001"], skus=SKUS, fault_every=25)
    path = write_xlsx(tmp_path / "orders.xlsx", sheet.rows)
    preview = stored_import(operator, path, mode=ImportMode.VALIDATE_ONLY)
    job_run(job_id=preview.pk, worker="test")
    page = open_browser("en")
    log_in(page, operator)

    page.goto(f"/jobs/{preview.pk}/")
    assert page.get_by_role("heading", name="What the import would do").is_visible()
    page.select_option("[data-commit-mode]", ImportMode.CREATE_ONLY)
    page.get_by_role("button", name="Import these rows now").click()

    page.wait_for_url(re.compile(rf"/jobs/(?!{preview.pk}/)\d+/$"))
    job = FileJob.objects.exclude(pk=preview.pk).get()
    assert page.url.endswith(f"/jobs/{job.pk}/") and job.mode == ImportMode.CREATE_ONLY
    assert page.get_by_text(f"The rows of preview #{preview.pk}, imported for real.").is_visible()
    job_run(job_id=job.pk, worker="test")
    message = page.locator(".oms-message")
    message.get_by_text(f"As previewed in job #{preview.pk}.").wait_for()
    assert FileJob.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED

    page.goto(f"/jobs/{preview.pk}/")
    assert page.get_by_text(f"Imported for real as job #{job.pk}.").is_visible()
    assert not page.get_by_role("button", name="Import these rows now").is_visible()
    assert page.js_errors == []


def test_a_preview_ending_while_its_page_is_open_shows_its_rows(open_browser, operator, tmp_path):
    sheet = order_sheet(50, stores=["A001"], skus=SKUS)
    path = write_xlsx(tmp_path / "orders.xlsx", sheet.rows)
    preview = stored_import(operator, path, mode=ImportMode.VALIDATE_ONLY)
    page = open_browser("en")
    log_in(page, operator)
    page.goto(f"/jobs/{preview.pk}/")
    assert not page.get_by_role("heading", name="What the import would do").is_visible()

    job_run(job_id=preview.pk, worker="test")

    page.get_by_role("heading", name="Would be created").wait_for()
    first = page.locator("[data-outcome=created] tbody tr").first
    assert first.locator("td").first.inner_text() == "2"  # the sheet's first data row
    assert page.get_by_role("button", name="Import these rows now").is_visible()
    assert page.js_errors == []
