"""Every API error is the JSON of docs/API.md, never HTML; bad ids, filters and offsets are
refused with 400 before anything reaches the database; the worker's address is for
superusers."""

import pytest
from django.test import Client

from basic.filejobs.models import FileJob
from tests.factories import OrderFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(operator_factory):
    return operator_factory(StoreFactory(code="A001"), username="ops")


@pytest.fixture
def client(ops):
    client = Client(headers={"accept-language": "en"})
    client.force_login(ops)
    return client


def _error(response, status: int) -> str:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["message"]
    return error["code"]


def _export(client, **body):
    return client.post(
        "/api/jobs/export/",
        {"kind": "order", "format": "csv", **body},
        content_type="application/json",
    )


@pytest.mark.parametrize(
    "ids",
    ["1,2", ["a"], [1.5], [True], [{"pk": 1}], [[1]], [0], [-3], [2**70], ["١٢"]],
    ids=repr,
)
def test_malformed_ids_are_refused(client, ids):
    assert _error(_export(client, ids=ids), 400) == "bad_ids"
    assert not FileJob.objects.exists()


def test_more_ids_than_allowed_are_refused_before_any_query(client, settings):
    assert settings.EXPORT_MAX_IDS == 10_000
    response = _export(client, ids=list(range(1, 330_001)))
    assert _error(response, 400) == "too_many_ids"
    assert "10000" in response.json()["error"]["message"]
    assert not FileJob.objects.exists()


def test_ids_as_digits_and_repeated_ids_are_one_selection(client):
    first = _export(client, ids=[3, 1, 2])
    assert first.status_code == 202
    assert _export(client, ids=["1", 2, 3, 3]).json()["id"] == first.json()["id"]


@pytest.mark.parametrize("filters", [{"status": {"in": "paid"}}, ["status"], "{not json"], ids=repr)
def test_malformed_filters_are_refused(client, filters):
    assert _error(_export(client, filters=filters), 400) == "bad_filters"


def test_a_body_that_is_not_an_object_is_refused(client):
    response = client.post("/api/jobs/export/", [1, 2], content_type="application/json")
    assert _error(response, 400) == "bad_json"


@pytest.mark.parametrize("offset", ["abc", "-1", "1e3", str(10**30), "1000001"])
def test_a_bad_or_huge_offset_is_refused(client, offset):
    assert _error(client.get("/api/jobs/", {"offset": offset}), 400) == "bad_offset"


def test_a_sensible_offset_pages(client):
    assert client.get("/api/jobs/", {"offset": "50"}).json()["offset"] == 50


def test_a_wrong_method_answers_405_in_json(client):
    response = client.get("/api/jobs/import/")
    assert _error(response, 405) == "method_not_allowed"
    assert response["Allow"] == "POST"


def test_a_failed_csrf_check_answers_json_on_the_api_and_a_page_elsewhere(ops):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops)
    assert _error(_export(client), 403) == "csrf_failed"
    page = client.post("/admin/logout/")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("logged_in", [False, True])
def test_an_unknown_api_address_answers_404_in_json(client, logged_in):
    if not logged_in:
        client.logout()
    assert _error(client.get("/api/no-such-thing/"), 404) == "not_found"
    assert _error(client.get("/api/templates/order.csv"), 404) == "not_found"


def test_a_server_error_answers_json(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("basic.filejobs.api.job_list", broken)
    client.raise_request_exception = False
    assert _error(client.get("/api/jobs/"), 500) == "server_error"


def test_a_body_too_big_to_read_answers_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert _error(_export(client, ids=list(range(1, 1000))), 400) == "bad_request"


def test_the_worker_address_is_shown_to_superusers_only(client, ops):
    job = FileJob.objects.create(kind="order", direction="export", owner=ops, host="10.1.2.3")
    assert client.get(f"/api/jobs/{job.pk}/").json()["host"] is None
    assert client.get("/api/jobs/").json()["results"][0]["host"] is None
    assert b"10.1.2.3" not in client.get(f"/jobs/{job.pk}/").content
    assert b"10.1.2.3" not in client.get("/jobs/").content
    root = Client()
    root.force_login(UserFactory(is_superuser=True))
    assert root.get(f"/api/jobs/{job.pk}/").json()["host"] == "10.1.2.3"
    assert b"10.1.2.3" in root.get(f"/jobs/{job.pk}/").content


def test_exporting_every_row_of_a_list_selected_across_pages_exports_its_filters(
    client, ops, settings
):
    """The admin's "select all N" names no ids: the export takes the list's filters."""
    settings.EXPORT_MAX_IDS = 3
    store = ops.stores.get()
    orders = [OrderFactory(store=store, status="paid") for _ in range(5)]
    form = {"action": "export_selected_csv", "_selected_action": [o.pk for o in orders]}
    refused = client.post("/admin/store/order/?status__exact=paid", form, follow=True)
    assert "At most 3 selected rows" in refused.content.decode()
    assert not FileJob.objects.exists()
    across = client.post("/admin/store/order/?status__exact=paid", {**form, "select_across": "1"})
    assert across.status_code == 302
    job = FileJob.objects.get()
    assert job.options == {"filters": {"status__exact": "paid"}, "ids": None}
