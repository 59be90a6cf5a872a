"""Who may see what: every read of stores, orders and their lines goes through here."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Store


def visible_stores(*, user) -> QuerySet[Store]:
    """The stores ``user`` operates: all for a superuser, none for anonymous users."""
    if not user.is_authenticated or not user.is_active:
        return Store.objects.none()
    if user.is_superuser:
        return Store.objects.all()
    return Store.objects.filter(users=user)


def restrict_to_stores(queryset: QuerySet, *, user, store_field: str) -> QuerySet:
    """Narrow any queryset to rows whose ``store_field`` is a store ``user`` operates."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return queryset
    store_ids = visible_stores(user=user).values("pk")
    return queryset.filter(**{f"{store_field}__in": store_ids})


def store_not_yours(code: str) -> str:
    """The one answer for a store code the importing user cannot use, existing or not."""
    return _("store %(code)s is not one of your stores") % {"code": code}


def store_not_yours_reason() -> str:
    """That answer without the code: what the error table groups such rows by."""
    return _("not one of your stores")
