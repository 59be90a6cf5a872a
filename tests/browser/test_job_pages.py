"""The job pages in a real Chromium: import, export, cancel, privacy, and how they look.

One real Celery worker runs the jobs; the pages follow them live through the JSON API.
"""

import io
import re

import openpyxl
import pytest
import xlrd

from basic.filejobs.models import FileJob, JobStatus
from store.models import OrderItem
from tests.basic.test_import_orders import SKUS
from tests.browser.conftest import DESKTOP, PHONE, log_in, number, screenshot
from tests.factories import OrderItemFactory
from tests.job_helpers import wait_until
from tests.order_files import order_sheet, write_xlsx

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.database_neutral,
]

JOB_PAGE = re.compile(r"/jobs/\d+/$")
PANEL_BAR = ".oms-panel [role=progressbar]"


@pytest.fixture(scope="session")
def faulty_sheet():
    return order_sheet(
        2000, stores=["A001", "B001"], skus=SKUS, forbidden_store="C001", fault_every=20
    )


@pytest.fixture(scope="session")
def faulty_file(faulty_sheet, tmp_path_factory):
    return write_xlsx(tmp_path_factory.mktemp("orders") / "订单_2000.xlsx", faulty_sheet.rows)


@pytest.fixture(scope="session")
def big_file(tmp_path_factory):
    rows = order_sheet(50_000, stores=["A001"], skus=SKUS, prefix="BIG").rows
    return write_xlsx(tmp_path_factory.mktemp("orders") / "orders_50000.xlsx", rows)


def upload(page, path, kind="order"):
    """From the import page: choose the file, send it, arrive on the job page."""
    page.goto(f"/jobs/import/{kind}/")
    page.set_input_files("#import-file", str(path))
    page.click("[data-submit]")
    page.wait_for_url(JOB_PAGE)
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def field(page, name: str, scope: str = ".oms-job") -> str:
    return page.locator(f"{scope} [data-field={name}]").first.inner_text()


def wait_running(page) -> None:
    """Until the job page shows rows committed (the bar has moved)."""
    page.wait_for_function(
        f"Number(document.querySelector('{PANEL_BAR}').getAttribute('aria-valuenow')) > 0",
        timeout=120_000,
    )


def wait_for_worker_to_let_go(celery_worker, job_id: int) -> None:
    """A cancelled import stops at its next chunk boundary; the worker says so."""
    line = f"job {job_id} rolled back: cancelled"
    wait_until(lambda: line in celery_worker.text, 60, f"the worker logging {line!r}")


def test_import_with_bad_lines_live_progress_counters_errors_and_report(
    open_browser, operator, celery_worker, faulty_sheet, faulty_file
):
    page = open_browser("zh-hans")
    log_in(page, operator)
    page.goto("/jobs/import/order/")

    with page.expect_download() as template:
        page.get_by_role("link", name="下载模板（xlsx）").click()
    assert template.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(template.value.path().read_bytes()))
    header = [cell.value for cell in book.worksheets[0][1]]
    assert "平台订单号 *" in header and "商品编码 *" in header  # required: marked
    assert book.worksheets[0].max_row == 1  # no example row to import by accident

    job_id = upload(page, faulty_file)
    page.evaluate("window.omsArrived = true")  # gone if the page reloads

    page.wait_for_selector(f'{PANEL_BAR}[aria-valuenow="100"]', timeout=120_000)
    badge = page.locator(".oms-job .oms-badge-partial")  # amber: not a plain success
    badge.wait_for()
    assert badge.inner_text().startswith("完成，有") and badge.inner_text().endswith("行被拒绝")
    assert number(badge.inner_text()) == len(faulty_sheet.rejected_rows)
    assert page.evaluate("window.omsArrived === true"), "the job page reloaded"
    assert page.url.endswith(f"/jobs/{job_id}/")
    assert number(field(page, "created")) == faulty_sheet.good_lines
    assert number(field(page, "failed")) == len(faulty_sheet.rejected_rows)
    assert number(field(page, "processed")) == 2000

    table = page.locator(".oms-errors tbody tr")
    table.first.wait_for()
    shown_rows = {number(text) for text in page.locator(".oms-errors td.oms-num").all_inner_texts()}
    assert min(shown_rows) == min(faulty_sheet.rejected_rows)
    assert shown_rows <= faulty_sheet.rejected_rows
    first_bad = min(faulty_sheet.bad)
    first_reason = table.filter(has=page.locator("td.oms-num", has_text=str(first_bad)))
    assert first_reason.first.locator("td").nth(4).inner_text().strip()

    # grouped by reason, with counts, the bad lines apart from the lines held back with them
    held = len(faulty_sheet.rejected_rows) - len(faulty_sheet.bad)
    split = page.locator("[data-rejected-split]").inner_text()
    assert re.findall(r"\d+", split)[:2] == [str(len(faulty_sheet.bad)), str(held)]
    reasons = page.locator("[data-reasons] li").all_inner_texts()
    unknown_sku = sum(1 for column, _words in faulty_sheet.bad.values() if column == "商品编码")
    assert f"商品编码: 未知商品编码 {unknown_sku} 行" in reasons
    assert reasons[-1] == f"因同一订单的其他行有错误而未导入 {held} 行"
    sku_group = page.locator("[data-reason]", has_text="商品编码: 未知商品编码")
    assert sku_group.locator("tbody tr").count() == min(unknown_sku, 10)
    first_sku_row = sku_group.locator("tbody tr").first.locator("td")
    bad_row = int(first_sku_row.nth(0).inner_text())
    order_cells = faulty_sheet.rows[bad_row - 2][:2]
    assert first_sku_row.nth(1).inner_text() == " / ".join(order_cells)  # store / order no

    with page.expect_download() as report:
        page.locator("[data-link=error_report_url]").click()
    sheet = openpyxl.load_workbook(io.BytesIO(report.value.path().read_bytes())).worksheets[0]
    reported = {row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert reported == faulty_sheet.rejected_rows
    assert page.js_errors == []


def test_export_the_filtered_order_list_as_xls_and_download_it_from_the_job_center(
    open_browser, operator, catalogue, celery_worker
):
    store_a, store_b, _store_c = catalogue
    wanted = {OrderItemFactory(order__store=store_a).order.platform_order_no for _ in range(3)}
    for _ in range(4):
        OrderItemFactory(order__store=store_b)
    page = open_browser("en")
    log_in(page, operator)

    page.goto("/admin/store/order/")
    page.locator("#changelist-filter").get_by_role("link", name=str(store_a)).click()
    page.wait_for_url(re.compile(r"store__id__exact="))
    page.select_option("#oms-export-format", "xls")
    page.get_by_role("button", name="Export").click()
    page.wait_for_url(JOB_PAGE)
    job_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])

    page.locator("#user-tools .oms-jobs-link").click()
    row = page.locator(f"tr[data-job-id='{job_id}']")
    row.locator(".oms-badge-succeeded").wait_for(timeout=120_000)
    polls = []
    page.on(
        "request", lambda request: "/api/jobs/?offset=" in request.url and polls.append(request)
    )
    page.wait_for_timeout(3000)  # longer than the page's polling interval
    assert polls == [], "the job center kept polling with no job in progress"
    with page.expect_download() as result:
        row.locator("[data-link=result_url]").click()

    assert result.value.suggested_filename.endswith(".xls")
    book = xlrd.open_workbook(file_contents=result.value.path().read_bytes())
    sheet = book.sheet_by_index(0)
    header = sheet.row_values(0)
    numbers = {
        sheet.cell_value(r, header.index("Platform order number")) for r in range(1, sheet.nrows)
    }
    assert numbers == wanted and sheet.nrows - 1 == 3
    assert page.js_errors == []


def test_cancel_a_running_import_states_the_rows_committed(
    open_browser, operator, celery_worker, big_file
):
    page = open_browser("en")
    log_in(page, operator)
    job_id = upload(page, big_file)
    wait_running(page)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel job").click()

    page.wait_for_selector(".oms-job .oms-badge-cancelled")
    note = page.locator("[data-field=status_note]")
    note.wait_for()
    committed = number(
        re.search(r"([\d,]+) rows? had already been committed", note.inner_text())[1]
    )
    assert page.get_by_role("button", name="Cancel job").is_hidden()
    page.locator("#user-tools [data-jobs-count]").wait_for(state="hidden")  # 0 in progress
    screenshot(page, "job-cancelled-en")
    wait_for_worker_to_let_go(celery_worker, job_id)
    job = FileJob.objects.get(pk=job_id)
    assert job.status == JobStatus.CANCELLED
    assert 0 < committed < 50_000
    assert committed == job.processed == OrderItem.objects.count()
    assert page.js_errors == []


def test_another_user_sees_none_of_the_jobs(open_browser, operator, operator_factory, catalogue):
    job = FileJob.objects.create(
        owner=operator,
        kind="order",
        direction="import",
        status=JobStatus.SUCCEEDED,
        original_name="ops-private.xlsx",
        error_report_name="download/report.xlsx",
        result_name="download/result.xlsx",
    )
    owner_page = open_browser("en")
    log_in(owner_page, operator)
    owner_page.goto("/jobs/")
    assert owner_page.locator(f"tr[data-job-id='{job.pk}']").is_visible()

    page = open_browser("en")
    log_in(page, operator_factory(catalogue[1], username="second"))
    page.goto("/jobs/")
    assert "ops-private.xlsx" not in page.content()
    assert page.locator("tr[data-job-id]").count() == 0
    for url in (
        f"/jobs/{job.pk}/",
        f"/api/jobs/{job.pk}/error-report",
        f"/api/jobs/{job.pk}/result",
        f"/api/jobs/{job.pk}/",
    ):
        assert page.request.get(url).status == 404, url
    assert page.goto(f"/jobs/{job.pk}/").status == 404


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_screenshots_of_the_pages_in_each_language(
    open_browser, operator, celery_worker, faulty_file, big_file, language
):
    page = open_browser(language)
    log_in(page, operator)
    words = {"zh-hans": "任务中心", "en": "Job center"}[language]

    def shots(name):
        screenshot(page, f"{name}-{language}")
        page.set_viewport_size(PHONE)
        screenshot(page, f"{name}-{language}-phone")
        page.set_viewport_size(DESKTOP)

    page.goto("/jobs/import/order/")
    assert page.locator("html").get_attribute("lang") == language
    shots("import")

    finished = upload(page, faulty_file)
    page.wait_for_selector(".oms-errors")
    shots("job-finished")

    running = upload(page, big_file)
    wait_running(page)
    screenshot(page, f"job-running-{language}")
    page.locator("#user-tools .oms-jobs-link").click()
    assert words in page.locator("#user-tools .oms-jobs-link").text_content()
    assert page.locator("#user-tools .oms-jobs-count").inner_text() == "1"
    page.locator(f"tr[data-job-id='{running}'] .oms-badge-running").wait_for()
    shots("center-running")

    FileJob.objects.filter(pk=running).update(status=JobStatus.CANCELLED)  # as from another tab
    page.locator(f"tr[data-job-id='{running}'] .oms-badge-cancelled").wait_for()
    page.locator("#user-tools [data-jobs-count]").wait_for(state="hidden")
    partial = page.locator(f"tr[data-job-id='{finished}'] .oms-badge-partial")
    assert partial.is_visible()
    wording = {"zh-hans": "完成，有 {} 行被拒绝", "en": "Finished with {} rows rejected"}[language]
    assert partial.inner_text() == wording.format(number(partial.inner_text()))
    shots("center-finished")
    wait_for_worker_to_let_go(celery_worker, running)
    assert page.js_errors == []


def test_problems_are_told_in_the_users_language_never_as_raw_answers(
    open_browser, operator, tmp_path
):
    job = FileJob.objects.create(owner=operator, kind="order", direction="import")  # stays queued
    page = open_browser("zh-hans")
    log_in(page, operator)
    page.goto("/jobs/import/order/")

    page.set_input_files("#import-file", str(write_text(tmp_path / "notes.txt", "备忘")))
    assert (
        page.locator("#import-error").inner_text() == "只能导入 Excel（.xls、.xlsx）和 CSV 文件。"
    )
    web_page = write_text(tmp_path / "export.xlsx", "<html><body><table></table></body></html>")
    page.set_input_files("#import-file", str(web_page))
    page.click("[data-submit]")  # the server reads the content, not the name
    page.locator("#import-error").filter(has_text="只能导入").wait_for()
    assert "{" not in page.locator("#import-error").inner_text()
    assert page.url.endswith("/jobs/import/order/")

    page.goto(f"/jobs/{job.pk}/")
    error = page.locator(".oms-job [data-error]")
    page.route("**/api/jobs/*/", lambda route: route.abort())
    error.filter(has_text="无法连接服务器，请检查网络连接。").wait_for()
    page.unroute("**/api/jobs/*/")
    page.route(
        "**/api/jobs/*/",
        lambda route: route.fulfill(status=502, body="<h1>Traceback (most recent call last)</h1>"),
    )
    error.filter(has_text="服务器返回错误（HTTP 502）").wait_for()
    assert "Traceback" not in error.inner_text()
    page.unroute("**/api/jobs/*/")
    error.wait_for(state="hidden", timeout=30_000)  # the page keeps trying, and recovers

    FileJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="取消任务").click()  # too late: the API refuses, in Chinese
    error.filter(has_text="只能取消排队中或运行中的任务。").wait_for()
    page.locator(".oms-job .oms-badge-succeeded").wait_for()
    assert page.js_errors == []


def write_text(path, text):
    path.write_text(text)
    return path
