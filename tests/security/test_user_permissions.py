"""Who may change which account, by import and in the admin (docs/OPERATIONS.md, "Accounts").

The callers are those of the permission matrix plus a store administrator (管理员 of store
A, not a superuser). The accounts they try to change:

* ``op_a``: operator of A, within the store administrator's stores and powers;
* ``shared``: operator of A and B (B is not the administrator's);
* ``op_b``: operator of B only;
* ``root_a``: a superuser assigned to A;
* ``auditor_a``: of A, but with a role (审计) that can do what 管理员 cannot.
"""

import csv
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from basic.filejobs import job_files
from basic.filejobs.models import FileJob, JobDirection, JobStatus
from basic.filejobs.runner import job_run
from tests.factories import PASSWORD, StoreFactory, UserFactory
from user.models import User

CALLERS = ("anonymous", "user_a", "user_b", "staff", "superuser", "store_admin")
TARGETS = ("op_a", "shared", "op_b", "root_a", "auditor_a")
NEW_PASSWORD = "another-pass-5678"


@pytest.fixture
def world(db, roles):
    store_a, store_b = StoreFactory(code="A001"), StoreFactory(code="B001")
    auditor = Group.objects.create(name="审计")
    auditor.permissions.add(Permission.objects.get(codename="change_group"))

    def make(username, stores=(), roles=(), **fields):
        user = UserFactory(username=username, roles=list(roles), display_name=username, **fields)
        user.stores.add(*stores)
        return user

    users = {
        "user_a": make("user_a", [store_a], ["运营"]),
        "user_b": make("user_b", [store_b], ["运营"]),
        "staff": make("staff"),
        "superuser": make("root", is_superuser=True),
        "store_admin": make("admin_a", [store_a], ["管理员"]),
        "op_a": make("op_a", [store_a], ["运营"]),
        "shared": make("shared", [store_a, store_b], ["运营"]),
        "op_b": make("op_b", [store_b], ["运营"]),
        "root_a": make("root_a", [store_a], is_superuser=True),
        "auditor_a": make("auditor_a", [store_a], ["审计"]),
    }
    return SimpleNamespace(users=users, store_a=store_a, store_b=store_b, auditor=auditor)


def _client(world, caller) -> Client:
    client = Client()
    if caller != "anonymous":
        client.force_login(world.users[caller])
    return client


def _change_form(world, target, **changes) -> dict:
    """What the change form posts for ``target``, with ``changes``."""
    user = world.users[target]
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "stores": [store.pk for store in user.stores.all()],
        "groups": [group.pk for group in user.groups.all()],
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    if user.is_superuser:
        data["is_superuser"] = "on"
    return {**data, **changes}


# Who may do what to whom: the expected status (and whether the change happened).
# 302 for anonymous callers is the login page; 404 where the account is out of sight.
EXPECTED = {
    "anonymous": {t: 302 for t in TARGETS},
    "user_a": {t: 403 for t in TARGETS},
    "user_b": {t: 403 for t in TARGETS},
    "staff": {t: 403 for t in TARGETS},
    "superuser": {t: 302 for t in TARGETS},
    "store_admin": {"op_a": 302, "shared": 403, "op_b": 404, "root_a": 404, "auditor_a": 403},
}
CASES = [(caller, target) for caller in CALLERS for target in TARGETS]


@pytest.mark.parametrize(("caller", "target"), CASES)
def test_the_password_form_sets_only_the_password_of_a_manageable_account(world, caller, target):
    account = world.users[target]
    response = _client(world, caller).post(
        f"/admin/user/user/{account.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    expected = EXPECTED[caller][target]
    assert response.status_code == expected
    account.refresh_from_db()
    changed = caller in ("superuser", "store_admin") and expected == 302
    assert account.check_password(NEW_PASSWORD) is changed
    assert account.check_password(PASSWORD) is not changed
    login = Client().post(
        "/accounts/login/", {"username": account.username, "password": NEW_PASSWORD}
    )
    assert (login.status_code == 302) is changed


@pytest.mark.parametrize(("caller", "target"), CASES)
def test_the_change_form_changes_only_a_manageable_account(world, caller, target):
    account = world.users[target]
    response = _client(world, caller).post(
        f"/admin/user/user/{account.pk}/change/",
        _change_form(world, target, display_name="taken over", is_active=""),
    )
    expected = EXPECTED[caller][target]
    assert response.status_code == expected, response.content[:2000]
    account.refresh_from_db()
    changed = caller in ("superuser", "store_admin") and expected == 302
    assert (account.display_name == "taken over") is changed
    assert account.is_active is not changed


def test_the_user_list_of_a_store_admin_shows_their_stores_accounts_and_no_superuser(world):
    response = _client(world, "store_admin").get("/admin/user/user/")
    listed = {user.username for user in response.context["cl"].result_list}
    assert listed == {"user_a", "admin_a", "op_a", "shared", "auditor_a"}


def test_a_store_admin_grants_only_their_stores(world):
    client = _client(world, "store_admin")
    op_a = world.users["op_a"]
    response = client.post(
        f"/admin/user/user/{op_a.pk}/change/",
        _change_form(world, "op_a", stores=[world.store_a.pk, world.store_b.pk]),
    )
    assert response.status_code == 200  # the form again, with its error
    assert "stores" in response.context["adminform"].form.errors
    assert list(op_a.stores.all()) == [world.store_a]


def test_a_store_admin_grants_only_roles_within_their_own_powers(world):
    client = _client(world, "store_admin")
    op_a = world.users["op_a"]
    response = client.post(
        f"/admin/user/user/{op_a.pk}/change/",
        _change_form(world, "op_a", groups=[world.auditor.pk]),
    )
    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    within = [Group.objects.get(name=name).pk for name in ("仓储", "管理员")]
    response = client.post(
        f"/admin/user/user/{op_a.pk}/change/", _change_form(world, "op_a", groups=within)
    )
    assert response.status_code == 302
    assert {group.name for group in op_a.groups.all()} == {"仓储", "管理员"}


def test_a_store_admin_creates_accounts_in_their_stores_only(world):
    client = _client(world, "store_admin")
    form = {"username": "newbie", "usable_password": "false"}
    assert client.post("/admin/user/user/add/", form).status_code == 200  # no store: refused
    refused = client.post("/admin/user/user/add/", {**form, "stores": [world.store_b.pk]})
    assert refused.status_code == 200 and "stores" in refused.context["adminform"].form.errors
    assert not User.objects.filter(username="newbie").exists()
    created = client.post("/admin/user/user/add/", {**form, "stores": [world.store_a.pk]})
    assert created.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert list(newbie.stores.all()) == [world.store_a]
    assert client.get(created["Location"]).status_code == 200  # and can go on editing it


def test_a_store_admin_deletes_only_manageable_accounts(world):
    client = _client(world, "store_admin")
    chosen = [world.users[name].pk for name in ("op_a", "shared")]
    response = client.post(
        "/admin/user/user/",
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )
    assert response.status_code == 403
    assert User.objects.filter(pk__in=chosen).count() == 2
    assert client.post(f"/admin/user/user/{chosen[1]}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/user/user/{chosen[0]}/delete/", {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=chosen[0]).exists()


# The user import -------------------------------------------------------------------------

HEADER = ["用户名", "姓名", "手机号", "邮箱", "负责店铺", "角色", "是否启用"]


def _import(owner: User, rows: list[list[str]], tmp_path) -> dict[str, list[str]]:
    """Run a user import as ``owner``; the rejection messages per user name."""
    path = tmp_path / "users.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([HEADER, *rows])
    with path.open("rb") as file:
        stored = job_files.save(job_files.new_name("upload", "csv"), file)
    job = FileJob.objects.create(
        kind="user", direction=JobDirection.IMPORT, mode="create_or_update", file_format="csv",
        owner=owner, language="en", original_name=path.name, upload_name=stored,
    )  # fmt: skip
    job_run(job_id=job.pk, worker="test")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    return {
        rows[error.row_number - 2][0]: [problem["message"] for problem in error.problems]
        for error in job.row_errors.all()
    }


def _takeover(username: str) -> list[str]:
    """A row that renames, deactivates and makes ``username`` an administrator of A."""
    return [username, "taken over", "13900000000", "x@example.com", "A001", "管理员", "否"]


@pytest.mark.django_db(transaction=True)
def test_a_store_admin_import_changes_only_accounts_they_manage(world, tmp_path):
    names = ["op_a", "shared", "op_b", "root_a", "auditor_a"]
    rejected = _import(world.users["store_admin"], [_takeover(name) for name in names], tmp_path)
    assert set(rejected) == {"shared", "op_b", "root_a", "auditor_a"}
    for name in rejected:
        assert rejected[name] == [f"the user name {name} belongs to an account you may not change"]
        account = User.objects.get(username=name)
        assert (account.display_name, account.is_active) == (name, True)
        assert "管理员" not in {group.name for group in account.groups.all()}
        assert account.email == ""
    op_a = User.objects.get(username="op_a")
    assert (op_a.display_name, op_a.is_active, op_a.email) == ("taken over", False, "x@example.com")
    assert {group.name for group in op_a.groups.all()} == {"管理员"}


@pytest.mark.django_db(transaction=True)
def test_a_superuser_import_changes_any_account(world, tmp_path):
    names = ["op_a", "shared", "op_b", "root_a", "auditor_a"]
    rejected = _import(world.users["superuser"], [_takeover(name) for name in names], tmp_path)
    assert rejected == {}
    assert set(
        User.objects.filter(display_name="taken over").values_list("username", flat=True)
    ) == set(names)


@pytest.mark.django_db(transaction=True)
def test_a_store_admin_import_grants_only_their_stores_and_roles_within_their_powers(
    world, tmp_path
):
    rows = [
        ["new_ok", "新人", "", "", "A001", "运营、仓储", "是"],
        ["new_foreign_store", "新人", "", "", "A001、B001", "运营", "是"],
        ["new_no_store", "新人", "", "", "NOSUCH", "运营", "是"],
        ["new_strong_role", "新人", "", "", "A001", "审计", "是"],
        ["new_nowhere", "新人", "", "", "", "运营", "是"],
    ]
    rejected = _import(world.users["store_admin"], rows, tmp_path)
    assert rejected == {
        "new_foreign_store": ["store B001 is not one of your stores"],
        "new_no_store": ["store NOSUCH is not one of your stores"],
        "new_strong_role": ["you may not assign the role 审计"],
        "new_nowhere": ["a new account needs at least one of your stores"],
    }
    created = User.objects.get(username="new_ok")
    assert [store.code for store in created.stores.all()] == ["A001"]
    assert {group.name for group in created.groups.all()} == {"运营", "仓储"}
    assert not User.objects.filter(username__in=list(rejected)).exists()


@pytest.mark.django_db(transaction=True)
def test_an_order_import_answers_the_same_for_a_foreign_and_a_missing_store(world, tmp_path):
    from tests.order_files import HEADER as ORDER_HEADER
    from tests.order_files import order_sheet, write_csv

    sheet = order_sheet(2, stores=["A001"], skus=["SKU0001"])
    rows = [row[:] for row in sheet.rows[:2]]
    rows[0][0], rows[1][0] = "B001", "NOSUCH"
    rows[1][1] = rows[0][1] + "X"  # another order
    path = write_csv(tmp_path / "orders.csv", rows)
    with path.open("rb") as file:
        stored = job_files.save(job_files.new_name("upload", "csv"), file)
    job = FileJob.objects.create(
        kind="order", direction=JobDirection.IMPORT, mode="create_or_update", file_format="csv",
        owner=world.users["user_a"], language="en", original_name="o.csv", upload_name=stored,
    )  # fmt: skip
    job_run(job_id=job.pk, worker="test")
    store_column = ORDER_HEADER.index("店铺编码")
    messages = {
        rows[error.row_number - 2][store_column]: [
            p["message"] for p in error.problems if p["header"] == "Store code"
        ]
        for error in FileJob.objects.get(pk=job.pk).row_errors.all()
    }
    assert messages == {
        "B001": ["store B001 is not one of your stores"],
        "NOSUCH": ["store NOSUCH is not one of your stores"],
    }


USER_IMPORT = {"anonymous": 401, "user_a": 403, "user_b": 403, "staff": 403}


@pytest.mark.parametrize("caller", CALLERS)
def test_only_callers_with_the_user_permissions_may_upload_a_user_sheet(world, caller):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = ",".join(HEADER).encode() + b"\nop_b,x,,,B001,,\n"
    response = _client(world, caller).post(
        "/api/jobs/import/", {"kind": "user", "file": SimpleUploadedFile("u.csv", body)}
    )
    assert response.status_code == USER_IMPORT.get(caller, 202)


def test_the_store_form_offers_only_accounts_its_editor_may_see(world):
    client = _client(world, "store_admin")
    page = client.get(f"/admin/store/store/{world.store_a.pk}/change/")
    offered = {
        user.username
        for user in page.context["adminform"].form.fields["daily_export_owner"].queryset
    }
    assert offered == {"user_a", "admin_a", "op_a", "shared", "auditor_a"}
    world.store_a.daily_export_owner = world.users["root_a"]
    world.store_a.save()
    page = client.get(f"/admin/store/store/{world.store_a.pk}/change/")
    assert "daily_export_owner" not in page.context["adminform"].form.fields  # shown, not offered
