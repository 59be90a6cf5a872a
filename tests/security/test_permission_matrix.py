"""Every page and API endpoint × every kind of caller → the expected status.

404, not 403, wherever answering 403 would reveal that a foreign object exists. The store
administrator (管理员 of store A, not a superuser) manages the accounts of store A only and
never sees a superuser, even one assigned to store A.
"""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from basic.filejobs import job_files
from basic.filejobs.models import FileJob, JobStatus
from tests.factories import OrderFactory, StoreFactory, UserFactory

ROLES = ("anonymous", "user_a", "user_b", "staff", "superuser", "store_admin")

# (method, path template, expected status per role in ROLES order)
MATRIX = [
    ("GET", "/", (302, 302, 302, 302, 302, 302)),
    ("GET", "/healthz", (200, 200, 200, 200, 200, 200)),
    ("GET", "/accounts/login/", (200, 302, 302, 302, 302, 302)),
    ("GET", "/admin/", (302, 200, 200, 200, 200, 200)),
    ("GET", "/admin/store/order/", (302, 200, 200, 403, 200, 200)),
    ("GET", "/admin/store/order/{order_a}/change/", (302, 200, 404, 403, 200, 200)),
    ("GET", "/admin/store/order/{order_b}/change/", (302, 404, 200, 403, 200, 404)),
    ("GET", "/admin/store/store/{store_a}/change/", (302, 200, 404, 403, 200, 200)),
    ("GET", "/admin/basic/product/", (302, 200, 200, 403, 200, 200)),
    ("GET", "/admin/user/user/", (302, 403, 403, 403, 200, 200)),
    ("GET", "/admin/user/user/add/", (302, 403, 403, 403, 200, 200)),
    ("GET", "/admin/user/user/{user_a}/change/", (302, 403, 403, 403, 200, 200)),
    ("GET", "/admin/user/user/{user_b}/change/", (302, 403, 403, 403, 200, 404)),
    ("GET", "/admin/user/user/{superuser}/change/", (302, 403, 403, 403, 200, 404)),
    ("GET", "/admin/user/user/{user_a}/password/", (302, 403, 403, 403, 200, 200)),
    ("GET", "/admin/user/user/{user_b}/password/", (302, 403, 403, 403, 200, 404)),
    ("GET", "/admin/user/user/{superuser}/password/", (302, 403, 403, 403, 200, 404)),
    ("GET", "/admin/user/user/{user_a}/delete/", (302, 403, 403, 403, 200, 200)),
    ("GET", "/admin/user/user/{superuser}/delete/", (302, 403, 403, 403, 200, 404)),
    ("GET", "/jobs/", (302, 200, 200, 200, 200, 200)),
    ("GET", "/jobs/{import_a}/", (302, 200, 404, 404, 200, 404)),
    ("GET", "/jobs/{import_a}/errors/", (302, 200, 404, 404, 200, 404)),
    ("GET", "/jobs/import/order/", (302, 200, 200, 403, 200, 200)),
    ("GET", "/jobs/import/user/", (302, 403, 403, 403, 200, 200)),
    ("GET", "/api/jobs/", (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/jobs/{import_a}/", (401, 200, 404, 404, 200, 404)),
    ("GET", "/api/jobs/{import_a}/error-report", (401, 200, 404, 404, 200, 404)),
    ("GET", "/api/jobs/{export_a}/result", (401, 200, 404, 404, 200, 404)),
    ("POST", "/api/jobs/{export_a}/cancel", (401, 200, 404, 404, 200, 404)),
    ("POST", "/api/jobs/{import_a}/retry", (401, 202, 404, 404, 202, 404)),
    ("GET", "/api/templates/order.xlsx", (401, 200, 200, 403, 200, 200)),
    ("GET", "/api/templates/user.xlsx", (401, 403, 403, 403, 200, 200)),
    ("POST", "/api/jobs/import/", (401, 202, 202, 403, 202, 202)),
    ("POST", "/api/jobs/export/", (401, 202, 202, 403, 202, 202)),
]


@pytest.fixture
def world(db, roles):
    store_a, store_b = StoreFactory(code="A001"), StoreFactory(code="B001")
    users = {
        "user_a": UserFactory(username="user_a", roles=["运营"]),
        "user_b": UserFactory(username="user_b", roles=["运营"]),
        "staff": UserFactory(username="staff"),
        "superuser": UserFactory(username="root", is_superuser=True),
        "store_admin": UserFactory(username="admin_a", roles=["管理员"]),
    }
    users["user_a"].stores.add(store_a)
    users["user_b"].stores.add(store_b)
    users["superuser"].stores.add(store_a)  # a superuser in store A stays out of its admin's reach
    users["store_admin"].stores.add(store_a)
    report = job_files.save(job_files.new_name("download", "xlsx"), ContentFile(b"report"))
    upload = job_files.save(job_files.new_name("upload", "csv"), ContentFile("店铺编码\n".encode()))
    import_a = FileJob.objects.create(
        kind="order", direction="import", mode="create_or_update", owner=users["user_a"], file_format="csv",
        status=JobStatus.FAILED, upload_name=upload, error_report_name=report, original_name="a.csv",
    )  # fmt: skip
    export_a = FileJob.objects.create(
        kind="order", direction="export", owner=users["user_a"], file_format="xlsx", result_name=report,
    )  # fmt: skip
    ids = {
        "order_a": OrderFactory(store=store_a).pk,
        "order_b": OrderFactory(store=store_b).pk,
        "store_a": store_a.pk,
        "import_a": import_a.pk,
        "export_a": export_a.pk,
        **{name: users[name].pk for name in ("user_a", "user_b", "superuser")},
    }
    return users, ids


def _request(client, method, path):
    if method == "GET":
        return client.get(path)
    if path == "/api/jobs/import/":
        return client.post(
            path,
            {"kind": "order", "file": ContentFile("店铺编码,平台订单号\n".encode(), name="o.csv")},
        )
    if path == "/api/jobs/export/":
        return client.post(
            path, {"kind": "order", "format": "csv"}, content_type="application/json"
        )
    return client.post(path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _e in MATRIX]
)
def test_permission_matrix(world, role, method, path, expected):
    users, ids = world
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    response = _request(client, method, path.format(**ids))
    assert response.status_code == expected[ROLES.index(role)]


@pytest.mark.parametrize(
    ("path", "language", "says"),
    [
        ("/api/jobs/export/", "en", "You are not allowed to export Orders."),
        ("/api/jobs/export/", "zh-hans", "您没有导出订单的权限。"),
        ("/api/jobs/import/", "en", "You are not allowed to import Orders."),
    ],
)
def test_a_refusal_names_what_was_refused(world, path, language, says):
    users, _ids = world
    client = Client(headers={"accept-language": language})
    client.force_login(users["staff"])
    response = _request(client, "POST", path)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == says
