"""The job pages' wiring: who sees which jobs, filters, 404s, and the header's job count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from basic.filejobs.api import job_pace
from basic.filejobs.models import FileJob, ImportRowError, JobStatus
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(operator_factory):
    return operator_factory(StoreFactory(code="A001"), username="ops")


@pytest.fixture
def other(operator_factory):
    return operator_factory(StoreFactory(code="B001"), username="other")


def make_job(owner, **fields) -> FileJob:
    values = {"kind": "order", "direction": "import", "original_name": "订单.xlsx", **fields}
    return FileJob.objects.create(owner=owner, **values)


def listed_ids(response) -> list[int]:
    return [job["id"] for job in response.context["jobs"]]


def test_pages_need_a_login(client, operator):
    job = make_job(operator)
    for url in (reverse("job-center"), reverse("job-page", args=[job.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_job_center_lists_the_users_own_jobs_newest_first(client, operator, other):
    first, second = make_job(operator), make_job(operator, kind="product")
    make_job(other, original_name="别人的.xlsx")
    client.force_login(operator)

    response = client.get(reverse("job-center"))

    assert listed_ids(response) == [second.pk, first.pk]
    assert "别人的.xlsx" not in response.content.decode()


def test_superusers_see_every_job(client, operator, other):
    jobs = [make_job(operator), make_job(other)]
    client.force_login(UserFactory(is_superuser=True))
    assert set(listed_ids(client.get(reverse("job-center")))) == {job.pk for job in jobs}


def test_filters_narrow_the_list_and_unknown_values_are_ignored(client, operator):
    failed = make_job(operator, status=JobStatus.FAILED)
    export = make_job(operator, direction="export", kind="product", status=JobStatus.SUCCEEDED)
    queued = make_job(operator)
    client.force_login(operator)
    url = reverse("job-center")

    assert listed_ids(client.get(url, {"status": "failed"})) == [failed.pk]
    assert listed_ids(client.get(url, {"kind": "product"})) == [export.pk]
    assert listed_ids(client.get(url, {"direction": "import"})) == [queued.pk, failed.pk]
    assert listed_ids(client.get(url, {"status": "nonsense"})) == [queued.pk, export.pk, failed.pk]
    page = client.get(url, {"status": "failed"}).content.decode()
    assert '<option value="failed" selected>' in page
    assert "/api/jobs/?status=failed&amp;offset=0" in page  # what the page polls


def test_job_center_pages_by_fifty(client, operator):
    FileJob.objects.bulk_create(
        FileJob(owner=operator, kind="order", direction="import") for _ in range(51)
    )
    client.force_login(operator)
    assert len(client.get(reverse("job-center")).context["jobs"]) == 50
    second = client.get(reverse("job-center"), {"page": 2})
    assert len(second.context["jobs"]) == 1
    assert "offset=50" in second.content.decode()


def test_another_users_job_is_not_found_anywhere(client, operator, other):
    job = make_job(operator, status=JobStatus.SUCCEEDED, result_name="x.xlsx")
    client.force_login(other)
    for name in ("job-page", "job-errors", "api-job-error-report", "api-job-result"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name


def test_job_page_shows_figures_errors_and_the_actions_that_apply(client, operator):
    job = make_job(operator, status=JobStatus.RUNNING, total=4000, processed=2000, failed=3)
    job.started_at = timezone.now() - timedelta(seconds=20)
    job.save()
    ImportRowError.objects.create(
        job=job,
        row_number=7,
        cells=[],
        problems=[{"key": "quantity", "header": "数量", "value": "abc", "message": "不是数字"}],
    )
    client.force_login(operator)

    page = client.get(reverse("job-page", args=[job.pk]), headers={"accept-language": "zh-hans"})

    html = page.content.decode()
    assert 'role="progressbar"' in html and 'aria-valuenow="50"' in html
    assert "不是数字" in html and "abc" in html and "数量" in html
    assert reverse("api-job-cancel", args=[job.pk]) in html
    assert page.context["job"]["seconds_left"] > 0
    assert page.context["job"]["rows_per_second"] > 0


def test_cancelled_import_page_states_the_committed_rows(client, operator):
    job = make_job(
        operator, status=JobStatus.CANCELLED, processed=4000, created=3000, updated=500, failed=500
    )
    client.force_login(operator)
    html = client.get(
        reverse("job-page", args=[job.pk]), headers={"accept-language": "en"}
    ).content.decode()
    assert "3,500 rows had already been committed and are kept" in html
    assert "500 rows read before the cancel were rejected" in html
    assert "To import the rest, upload the same file again" in html
    assert reverse("api-job-cancel", args=[job.pk]) not in html


def test_failed_job_offers_retry(client, operator):
    job = make_job(operator, status=JobStatus.FAILED, upload_name="upload/x.xlsx")
    client.force_login(operator)
    html = client.get(reverse("job-page", args=[job.pk])).content.decode()
    assert reverse("api-job-retry", args=[job.pk]) in html


def test_pace_is_rows_per_second_and_the_time_left_at_that_pace():
    now = timezone.now()
    job = FileJob(
        status=JobStatus.RUNNING, total=3000, processed=1000, started_at=now - timedelta(seconds=10)
    )
    assert job_pace(job, now) == (100.0, 20)
    job.status, job.finished_at = JobStatus.SUCCEEDED, now
    assert job_pace(job, now + timedelta(hours=1)) == (100.0, None)
    assert job_pace(FileJob(status=JobStatus.QUEUED), now) == (None, None)


def test_api_job_has_labels_pace_and_page_links(client, operator):
    job = make_job(operator, status=JobStatus.QUEUED)
    client.force_login(operator)
    data = client.get(reverse("api-job-detail", args=[job.pk]), headers={"accept-language": "en"})
    body = data.json()
    assert body["kind_label"] == "Orders" and body["direction_label"] == "Import"
    assert body["page_url"] == reverse("job-page", args=[job.pk])
    assert body["cancel_url"] == reverse("api-job-cancel", args=[job.pk])
    assert body["retry_url"] is None and body["rows_per_second"] is None


def test_header_counts_the_users_jobs_in_progress(client, operator, other):
    make_job(operator, status=JobStatus.RUNNING)
    make_job(operator, status=JobStatus.QUEUED)
    make_job(operator, status=JobStatus.SUCCEEDED)
    make_job(other, status=JobStatus.RUNNING)
    client.force_login(operator)

    for url in (
        reverse("job-center"),
        reverse("admin:index"),
        reverse("admin:store_order_changelist"),
        reverse("import-page", args=["order"]),
    ):
        html = client.get(url, headers={"accept-language": "en"}).content.decode()
        assert '<span class="oms-jobs-count" title="2 jobs in progress"' in html, url
        assert f'href="{reverse("job-center")}" class="oms-jobs-link"' in html, url

    client.force_login(other)
    html = client.get(reverse("job-center"), headers={"accept-language": "en"}).content.decode()
    assert 'title="1 job in progress"' in html


def test_admin_index_and_changelists_link_to_import_export_and_the_job_center(client, operator):
    client.force_login(operator)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("import-page", args=["order"]) in index
    assert reverse("admin:store_order_changelist") in index
    assert reverse("job-center") in index
    assert reverse("import-page", args=["warehouse"]) not in index  # operators only view those

    changelist = client.get(reverse("admin:store_order_changelist")).content.decode()
    assert reverse("import-page", args=["order"]) in changelist
    assert f'action="{reverse("export-request")}"' in changelist
    assert '<option value="xls">xls</option>' in changelist
    assert f"{reverse('job-center')}?kind=order" in changelist


def test_import_page_describes_the_kind_and_its_columns(client, operator):
    client.force_login(operator)
    html = client.get(
        reverse("import-page", args=["order"]), headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "订单，每行一个订单明细。" in html  # the kind's description, translated
    assert "/api/templates/order.xlsx" in html and "/api/templates/order.xls" in html
    assert 'name="mode" value="validate_only"' in html
    assert "平台订单号" in html and "必填" in html


def test_import_page_tells_who_may_not_import(client, operator):
    client.force_login(operator)
    html = client.get(reverse("import-page", args=["warehouse"])).content.decode()
    assert 'id="import-form"' not in html
    assert client.get(reverse("import-page", args=["nope"])).status_code == 404


def test_a_job_that_rejected_rows_is_a_partial_outcome_in_the_api_and_on_its_page(client, operator):
    job = make_job(operator, status=JobStatus.SUCCEEDED, processed=3031, created=2542, failed=489)
    client.force_login(operator)

    shown = client.get(reverse("api-job-detail", args=[job.pk])).json()
    assert (shown["status"], shown["outcome"]) == ("succeeded", "partial")
    assert shown["outcome_label"] == "完成，有 489 行被拒绝"
    english = client.get(reverse("job-page", args=[job.pk]), headers={"accept-language": "en"})
    assert 'class="oms-badge oms-badge-partial" data-badge>Finished with 489 rows rejected<' in (
        english.content.decode()
    )
    clean = make_job(operator, status=JobStatus.SUCCEEDED, processed=10, created=10)
    assert client.get(reverse("api-job-detail", args=[clean.pk])).json()["outcome"] == "succeeded"
