"""A job that ends while its owner works on another page is announced there, in Chromium."""

import pytest
from django.utils import timezone

from basic.filejobs.models import FileJob, JobStatus
from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.database_neutral,
]

# the real Notification, recorded: what the page asked the browser to show
RECORD_NOTIFICATIONS = """
    window.shownNotifications = [];
    const RealNotification = window.Notification;
    window.Notification = function (title, options) {
        window.shownNotifications.push(title);
        return new RealNotification(title, options);
    };
    Object.defineProperty(window.Notification, "permission", { get: () => RealNotification.permission });
    window.Notification.requestPermission = (...args) => RealNotification.requestPermission(...args);
"""


def _running_import(owner) -> FileJob:
    now = timezone.now()
    return FileJob.objects.create(
        owner=owner, kind="order", direction="import", mode="create_or_update", status=JobStatus.RUNNING,
        original_name="订单.xlsx", upload_name="upload/x.xlsx", total=300, processed=120,
        started_at=now, heartbeat_at=now,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "says"), [("zh-hans", "订单.xlsx：成功"), ("en", "订单.xlsx: Succeeded")]
)
def test_a_job_ending_while_its_owner_is_on_a_list_page_is_announced_there(
    open_browser, operator, language, says
):
    job = _running_import(operator)
    page = open_browser(language)
    page.context.grant_permissions(["notifications"])
    page.add_init_script(RECORD_NOTIFICATIONS)
    log_in(page, operator)
    with page.expect_response(lambda response: "status=running" in response.url):
        page.goto("/admin/store/order/")  # the page's first look sees the job running
    header = page.locator("#user-tools .oms-jobs-link")
    assert header.count() == 1  # the job center once, not twice
    assert page.locator("#user-tools .oms-jobs-count").inner_text() == "1"

    FileJob.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        processed=300,
        message="300 rows read",
        finished_at=timezone.now(),
    )

    notice = page.locator(f".oms-notice[data-job-id='{job.pk}']")
    notice.wait_for()
    assert says in notice.inner_text() and "300 rows read" in notice.inner_text()
    assert notice.get_by_role("link").get_attribute("href") == f"/jobs/{job.pk}/"
    page.locator("#user-tools [data-jobs-count]").wait_for(state="hidden")
    assert page.evaluate("window.shownNotifications") == [notice.locator("strong").inner_text()]
    screenshot(page, f"job-ended-notice-{language}")
    notice.get_by_role("button", name={"zh-hans": "关闭", "en": "Dismiss"}[language]).click()
    assert notice.count() == 0
    assert page.js_errors == []


def test_the_job_center_is_named_once_on_the_index_and_on_a_list(open_browser, operator):
    page = open_browser("en")
    log_in(page, operator)
    assert page.locator("#user-tools .oms-jobs-link").count() == 1
    page.goto("/admin/store/order/")
    assert page.get_by_role("link", name="Job center").count() == 1
    link = page.get_by_role("link", name="Import and export jobs")
    assert link.get_attribute("href") == "/jobs/?kind=order"
    assert page.js_errors == []
