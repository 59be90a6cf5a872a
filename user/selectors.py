"""Who may see and change which accounts, and grant which roles (docs/OPERATIONS.md).

A superuser sees and changes every account. Anyone else, with the user permissions of
their role, works only inside their own stores and powers:

* they see the accounts that share at least one of their stores, never a superuser;
* they change (profile, stores, roles, password, deletion) only those whose every store
  is theirs and whose every permission they hold too, so that no account they take over
  can do more, or reach further, than they already can;
* they grant only their own stores and the roles whose every permission they hold.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet

from store.selectors import visible_stores

from .models import User

StoreAccess = User.stores.through
RoleMembership = User.groups.through
DirectPermission = User.user_permissions.through


def _foreign_permissions(*, user) -> QuerySet[Permission]:
    """The permissions ``user`` does not have (directly or through a role)."""
    held = user.get_all_permissions()
    held_ids = [
        pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
        if f"{app_label}.{codename}" in held
    ]
    return Permission.objects.exclude(pk__in=held_ids)


def visible_users(*, user) -> QuerySet[User]:
    """The accounts ``user`` may see: all for a superuser, else non-superusers of their stores."""
    if user.is_active and user.is_superuser:
        return User.objects.all()
    mates = StoreAccess.objects.filter(store__in=visible_stores(user=user)).values("user_id")
    return User.objects.filter(is_superuser=False, pk__in=mates)


def manageable_users(*, user) -> QuerySet[User]:
    """The accounts ``user`` may change, set the password of, or delete.

    For a non-superuser: visible accounts none of whose stores is outside theirs and none
    of whose permissions (direct or through a role) they lack.
    """
    if user.is_active and user.is_superuser:
        return User.objects.all()
    foreign = _foreign_permissions(user=user)
    elsewhere = StoreAccess.objects.exclude(store__in=visible_stores(user=user)).values("user_id")
    by_role = RoleMembership.objects.filter(group__permissions__in=foreign).values("user_id")
    direct = DirectPermission.objects.filter(permission__in=foreign).values("user_id")
    return (
        visible_users(user=user)
        .exclude(pk__in=elsewhere)
        .exclude(pk__in=by_role)
        .exclude(pk__in=direct)
    )


def may_manage(*, user, account: User) -> bool:
    return manageable_users(user=user).filter(pk=account.pk).exists()


def assignable_roles(*, user) -> QuerySet[Group]:
    """The roles ``user`` may grant: all for a superuser, else those within their powers."""
    if user.is_active and user.is_superuser:
        return Group.objects.all()
    beyond = Group.permissions.through.objects.filter(
        permission__in=_foreign_permissions(user=user)
    ).values("group_id")
    return Group.objects.exclude(pk__in=beyond)
