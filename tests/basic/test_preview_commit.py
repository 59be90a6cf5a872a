"""Preview, then import for real: a validate-only job's rows imported without a second
upload, with the same figures, or saying what changed in between."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from basic.filejobs.models import FileJob, ImportMode, JobStatus
from basic.filejobs.runner import job_run
from store.models import Order, OrderItem
from tests.factories import UserFactory
from tests.job_helpers import SKUS, stored_import
from tests.order_files import order_sheet, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)
COUNTS = ("created", "updated", "unchanged", "failed")


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """The jobs run here, in this process (job_run), never through a broker."""
    monkeypatch.setattr("basic.filejobs.requests.job_enqueue_on_commit", lambda job: None)


def ran(job: FileJob) -> FileJob:
    job_run(job_id=job.pk, worker="test")
    job.refresh_from_db()
    return job


def counts(job: FileJob) -> tuple:
    return tuple(getattr(job, name) for name in COUNTS)


def preview_of(operator, tmp_path, lines: int = 10_000) -> FileJob:
    sheet = order_sheet(lines, stores=["A001", "B001"], skus=SKUS, fault_every=50)
    path = write_xlsx(tmp_path / "orders.xlsx", sheet.rows)
    preview = ran(stored_import(operator, path, mode=ImportMode.VALIDATE_ONLY))
    assert preview.status == JobStatus.SUCCEEDED and OrderItem.objects.count() == 0
    return preview


def commit(client, preview: FileJob, mode: str = "") -> tuple[int, dict]:
    url = reverse("api-job-commit", args=[preview.pk])
    response = client.post(url, {"mode": mode} if mode else {}, headers={"accept-language": "en"})
    return response.status_code, response.json()


def test_a_committed_preview_imports_what_it_said(client, operator, tmp_path):
    preview = preview_of(operator, tmp_path)
    client.force_login(operator)
    assert client.get(reverse("api-job-detail", args=[preview.pk])).json()["commit_url"]
    upload = preview.upload_name

    status, answer = commit(client, preview)

    assert status == 202 and answer["preview_of"] == preview.pk
    job = ran(FileJob.objects.get(pk=answer["id"]))
    assert job.status == JobStatus.SUCCEEDED and job.mode == ImportMode.CREATE_OR_UPDATE
    assert counts(job) == counts(preview) and job.created > 9_000 and job.failed > 0
    assert OrderItem.objects.count() == job.created
    assert f"As previewed in job #{preview.pk}." in job.message
    preview.refresh_from_db()
    assert (preview.upload_name, job.upload_name) == ("", upload)  # one file, moved
    assert preview.options["committed_as"] == job.pk
    assert client.get(reverse("api-job-detail", args=[preview.pk])).json()["commit_url"] is None


def test_a_commit_says_when_the_data_changed_since_the_preview(client, operator, tmp_path):
    preview = preview_of(operator, tmp_path, lines=300)
    rows = order_sheet(300, stores=["A001", "B001"], skus=SKUS, fault_every=50).rows
    first = [row for row in rows if row[1] == rows[0][1]]  # the file's first order
    ran(stored_import(operator, write_xlsx(tmp_path / "first.xlsx", first)))
    first_order = Order.objects.get()  # written by someone else after the preview
    client.force_login(operator)

    status, answer = commit(client, preview, mode=ImportMode.CREATE_ONLY)

    assert status == 202
    job = ran(FileJob.objects.get(pk=answer["id"]))
    assert job.status == JobStatus.SUCCEEDED and counts(job) != counts(preview)
    assert job.failed > preview.failed  # create only: the order written meanwhile is refused
    assert f"The data changed since the preview (job #{preview.pk})" in job.message
    assert f"which expected {preview.created} created" in job.message
    assert Order.objects.filter(pk=first_order.pk).exists()


def test_a_preview_is_imported_once(client, operator, tmp_path):
    preview = preview_of(operator, tmp_path, lines=30)
    client.force_login(operator)
    assert commit(client, preview)[0] == 202

    status, answer = commit(client, preview)
    assert (status, answer["error"]["code"]) == (409, "not_committable")
    assert FileJob.objects.count() == 2


def test_only_a_finished_validation_can_be_committed(client, operator, tmp_path):
    sheet = order_sheet(30, stores=["A001"], skus=SKUS)
    imported = ran(stored_import(operator, write_xlsx(tmp_path / "o.xlsx", sheet.rows)))
    client.force_login(operator)

    status, answer = commit(client, imported)

    assert (status, answer["error"]["code"]) == (409, "not_committable")


def test_a_commit_in_validate_only_mode_is_refused(client, operator, tmp_path):
    preview = preview_of(operator, tmp_path, lines=30)
    client.force_login(operator)

    status, answer = commit(client, preview, mode=ImportMode.VALIDATE_ONLY)

    assert (status, answer["error"]["code"]) == (400, "bad_mode")
    preview.refresh_from_db()
    assert preview.upload_name  # nothing moved


def test_another_users_preview_is_not_found(client, operator, operator_factory, tmp_path):
    preview = preview_of(operator, tmp_path, lines=30)
    client.force_login(operator_factory(username="other"))

    status, answer = commit(client, preview)

    assert (status, answer["error"]["code"]) == (404, "not_found")
    assert FileJob.objects.count() == 1


def test_the_kinds_import_permission_is_needed(client, operator, tmp_path):
    preview = preview_of(operator, tmp_path, lines=30)
    operator.groups.clear()  # no longer an operator: may not import orders
    client.force_login(operator)

    status, answer = commit(client, preview)

    assert (status, answer["error"]["code"]) == (403, "forbidden")
    preview.refresh_from_db()
    assert preview.upload_name and FileJob.objects.count() == 1


def test_excel_import_commits_a_preview_from_the_shell(operator, tmp_path, capsys):
    preview = preview_of(operator, tmp_path, lines=30)

    call_command("excel_import", "--commit", str(preview.pk), "--user", operator.username)

    job = FileJob.objects.exclude(pk=preview.pk).get()
    assert f"job {job.pk} queued" in capsys.readouterr().out
    assert counts(ran(job)) == counts(preview)


def test_a_superuser_commits_for_the_previews_owner(client, operator, tmp_path):
    preview = preview_of(operator, tmp_path, lines=30)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    status, answer = commit(client, preview)

    assert status == 202 and FileJob.objects.get(pk=answer["id"]).owner == operator
