from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from basic.admin_mixins import ExcelAdminMixin, NotFoundInsteadOfRedirectMixin
from store.selectors import visible_stores

from .models import User


@admin.register(User)
class UserAdmin(ExcelAdminMixin, NotFoundInsteadOfRedirectMixin, DjangoUserAdmin):
    excel_kind = "user"
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("display_name", "first_name", "last_name", "email", "phone")},
        ),
        (_("Store access"), {"fields": ("stores",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = [
        "username",
        "display_name",
        "email",
        "phone",
        "is_active",
        "is_staff",
        "is_superuser",
        "last_login",
    ]
    list_filter = [
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        ("stores", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["username", "display_name", "email", "phone"]
    filter_horizontal = ["stores", "groups", "user_permissions"]

    def get_queryset(self, request):
        """Staff who are not superusers manage only accounts that work on their stores."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(stores__in=visible_stores(user=request.user)).distinct()

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_superuser", "groups", "user_permissions", "last_login", "date_joined"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "stores":
            kwargs["queryset"] = visible_stores(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        """Keep the stores this editor cannot see: the form only offered the visible ones."""
        hidden_stores = []
        if change and not request.user.is_superuser:
            hidden_stores = list(
                form.instance.stores.exclude(pk__in=visible_stores(user=request.user))
            )
        super().save_related(request, form, formsets, change)
        form.instance.stores.add(*hidden_stores)
