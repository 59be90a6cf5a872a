from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from basic.filejobs.admin_mixins import ExcelAdminMixin, NotFoundInsteadOfRedirectMixin
from store.selectors import visible_stores

from .models import User
from .selectors import assignable_roles, may_manage, visible_users


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
        """Staff who are not superusers see only the accounts of their stores, no superuser."""
        return super().get_queryset(request) & visible_users(user=request.user)

    def has_change_permission(self, request, obj=None):
        """Changing an account (its password included) needs the right to manage it."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_manage(user=request.user, account=obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_manage(user=request.user, account=obj))

    def get_fieldsets(self, request, obj=None):
        """A new account of a non-superuser gets stores (and roles) from the start."""
        if obj is None and not request.user.is_superuser:
            return (*self.add_fieldsets, (_("Store access"), {"fields": ("stores", "groups")}))
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and not request.user.is_superuser and "stores" in form.base_fields:
            form.base_fields["stores"].required = True  # else the new account is out of sight
        return form

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_superuser", "user_permissions", "last_login", "date_joined"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "stores":
            kwargs["queryset"] = visible_stores(user=request.user)
        elif db_field.name == "groups":
            kwargs["queryset"] = assignable_roles(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
