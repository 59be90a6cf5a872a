"""The nightly export holds exactly the previous day's orders of the store, in its time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from basic.filejobs.models import JobStatus
from store.daily_export import daily_store_exports_create
from tests.basic.test_export import download, rows_of
from tests.factories import OrderItemFactory, StoreFactory
from tests.job_helpers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_previous_day_of_the_store_in_its_time_zone(client, roles, operator_factory, celery_worker):
    store, other = StoreFactory(code="DAY1"), StoreFactory(code="DAY2")
    owner = operator_factory(store, username="night-owner")
    store.daily_export, store.daily_export_owner = True, owner
    store.save()
    placed = {
        "too-early": datetime(2026, 11, 23, 23, 59, 59, tzinfo=SHANGHAI),
        "first": datetime(2026, 11, 24, 0, 0, 0, tzinfo=SHANGHAI),
        "last": datetime(2026, 11, 24, 23, 59, 59, tzinfo=SHANGHAI),
        "too-late": datetime(2026, 11, 25, 0, 0, 0, tzinfo=SHANGHAI),
    }
    for number, ordered_at in placed.items():
        OrderItemFactory(
            order__store=store, order__platform_order_no=number, order__ordered_at=ordered_at
        )
    OrderItemFactory(
        order__store=other,
        order__platform_order_no="other-store",
        order__ordered_at=placed["first"],
    )

    now = datetime(2026, 11, 25, 0, 30, tzinfo=SHANGHAI)
    [job] = daily_store_exports_create(now=now)
    assert daily_store_exports_create(now=now) == []  # beat firing twice makes no second file
    assert job.owner == owner

    job = wait_for(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.message
    client.force_login(owner)
    rows = rows_of(download(client, job.pk), "xlsx")
    assert sorted(row[1] for row in rows[1:]) == ["first", "last"]
    assert [j["id"] for j in client.get("/api/jobs/").json()["results"]] == [job.pk]
