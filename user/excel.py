"""Import/export spec of users: accounts, their stores and roles. Never passwords."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from basic.filejobs.models import ImportMode
from basic.filejobs.sheets.cell_types import BOOL, CODE, LIST, TEXT
from basic.filejobs.sheets.columns import Column
from basic.filejobs.sheets.specs import ImportSpec, Row, keyset_batches, register
from store.selectors import store_not_yours, store_not_yours_reason, visible_stores

from .models import User
from .selectors import assignable_roles, manageable_users

PROFILE_FIELDS = ("display_name", "phone", "email", "is_active")


@register
class UserSpec(ImportSpec):
    kind = "user"
    label = gettext_lazy("Users")
    description = gettext_lazy(
        "Back-office accounts with their stores and roles. New accounts get no password: "
        "an administrator sets one. Stores and roles are separated by , ， 、 or ;"
    )
    model = User
    key = ("username",)
    import_permissions = ("user.add_user", "user.change_user")
    export_permissions = ("user.view_user",)
    columns = (
        Column(
            "username",
            "用户名",
            CODE,
            aliases=("账号", "登录名"),
            example="zhangsan",
        ),
        Column(
            "display_name",
            "姓名",
            TEXT,
            aliases=("显示名称", "名字"),
            example="张三",
        ),
        Column(
            "phone",
            "手机号",
            CODE,
            aliases=("电话", "手机"),
            example="13800138000",
        ),
        Column(
            "email",
            "邮箱",
            TEXT,
            aliases=("电子邮箱", "email地址"),
            example="zhangsan@example.com",
        ),
        Column(
            "store_codes",
            "负责店铺",
            LIST,
            aliases=("店铺编码", "店铺", "stores"),
            example="TB001",
            label=gettext_lazy("Stores"),
        ),
        Column(
            "groups",
            "角色",
            LIST,
            aliases=("用户组", "权限组", "roles"),
            example="运营",
            label=gettext_lazy("Roles"),
        ),
        Column("is_active", "是否启用", BOOL, aliases=("启用", "active"), example="是"),
    )

    def export_values(self, listed, size):
        """Batches of users in column order, with their store codes and role names."""
        for batch in keyset_batches(listed, size):
            users = User.objects.filter(pk__in=[pk for (pk,) in batch]).order_by("pk")
            yield [
                (
                    user.username,
                    user.display_name,
                    user.phone,
                    user.email,
                    sorted(store.code for store in user.stores.all()),
                    sorted(group.name for group in user.groups.all()),
                    user.is_active,
                )
                for user in users.prefetch_related("stores", "groups")
            ]

    def validate(self, rows: list[Row], ctx) -> None:
        """Only accounts the importer may manage, only their stores and roles within reach."""
        importer = ctx.user
        if "stores" not in ctx.cache:
            ctx.cache["stores"] = dict(visible_stores(user=importer).values_list("code", "id"))
            ctx.cache["groups"] = dict(assignable_roles(user=importer).values_list("name", "id"))
            ctx.cache["all_groups"] = set(Group.objects.values_list("name", flat=True))
        column = self.columns_by_key
        names = [r.values.get("username") for r in rows]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        manageable = set(
            manageable_users(user=importer)
            .filter(username__in=existing)
            .values_list("username", flat=True)
        )
        for row in rows:
            username = row.values.get("username")
            if username in existing and username not in manageable:
                row.reject(
                    column["username"],
                    _("the user name %(name)s belongs to an account you may not change")
                    % {"name": username},
                    username,
                    reason=_("an account you may not change"),
                )
            codes = row.values.get("store_codes") or []
            for code in codes:
                if code not in ctx.cache["stores"]:  # the same answer whether it exists or not
                    row.reject(
                        column["store_codes"],
                        store_not_yours(code),
                        code,
                        reason=store_not_yours_reason(),
                    )
            if not (codes or username in existing or importer.is_superuser):
                row.reject(
                    column["store_codes"], _("a new account needs at least one of your stores")
                )
            for name in row.values.get("groups") or []:
                if name not in ctx.cache["all_groups"]:
                    row.reject(
                        column["groups"],
                        _("unknown role %(name)s") % {"name": name},
                        name,
                        reason=_("unknown role"),
                    )
                elif name not in ctx.cache["groups"]:
                    row.reject(
                        column["groups"],
                        _("you may not assign the role %(name)s") % {"name": name},
                        name,
                        reason=_("a role you may not assign"),
                    )

    def write(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        existing = {
            u.username: u
            for u in User.objects.filter(
                username__in=[r.values["username"] for r in rows]
            ).prefetch_related("stores", "groups")
        }
        present = ctx.present
        plans = []
        for row in rows:
            user = existing.get(row.values["username"])
            if user is not None and ctx.mode == ImportMode.CREATE_ONLY:
                row.reject(
                    self.columns_by_key["username"], _("already exists"), row.values["username"]
                )
                continue
            created = user is None
            if created:
                user = User(
                    username=row.values["username"], is_staff=True, password=make_password(None)
                )
            changed = created | self._apply_profile(user, row, present)
            stores = groups = None
            if "store_codes" in present:
                stores = {ctx.cache["stores"][code] for code in row.values.get("store_codes") or []}
                before = {s.pk: s.code for s in user.stores.all()} if not created else {}
                if not created and stores != set(before):
                    changed = True
                    row.changes["store_codes"] = (
                        sorted(before.values()),
                        sorted(row.values.get("store_codes") or []),
                    )
            if "groups" in present:
                groups = {ctx.cache["groups"][name] for name in row.values.get("groups") or []}
                before = {g.pk: g.name for g in user.groups.all()} if not created else {}
                if not created and groups != set(before):
                    changed = True
                    row.changes["groups"] = (
                        sorted(before.values()),
                        sorted(row.values.get("groups") or []),
                    )
            row.outcome = "created" if created else ("updated" if changed else "unchanged")
            if changed:
                plans.append((user, created, stores, groups))
        if ctx.dry_run:
            return
        for user, created, stores, groups in plans:
            if created:
                user.date_joined = timezone.now()
            user.save()
            if stores is not None:
                user.stores.set(stores)
            if groups is not None:
                user.groups.set(groups)

    def _apply_profile(self, user: User, row: Row, present) -> bool:
        changed = False
        for name in PROFILE_FIELDS:
            if name not in present:
                continue
            value = row.values.get(name)
            if value is None:
                value = True if name == "is_active" else ""
            if getattr(user, name) != value:
                if user.pk is not None:
                    row.changes[name] = (getattr(user, name), value)
                setattr(user, name, value)
                changed = True
        return changed
