from django.contrib import admin

from basic.filejobs.admin_mixins import ExcelAdminMixin, NotFoundInsteadOfRedirectMixin

from .models import Order, OrderItem, Store
from .selectors import restrict_to_stores, visible_stores
from .totals import order_totals_refresh


class StoreScopedAdmin(ExcelAdminMixin, NotFoundInsteadOfRedirectMixin, admin.ModelAdmin):
    """Rows of stores the user does not operate do not exist for them: list, edit, delete."""

    store_field = "store"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return restrict_to_stores(queryset, user=request.user, store_field=self.store_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store":
            kwargs["queryset"] = visible_stores(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Store)
class StoreAdmin(StoreScopedAdmin):
    excel_kind = "store"
    store_field = "pk"
    list_display = [
        "code",
        "name",
        "platform",
        "status",
        "contact_name",
        "contact_phone",
        "updated_at",
    ]
    list_filter = ["platform", "status"]
    search_fields = ["code", "name", "contact_name", "contact_phone"]
    date_hierarchy = "created_at"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "daily_export_owner":  # only accounts the editor may see
            kwargs["queryset"] = _visible_users(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        """An owner the editor may not see (a superuser) stays, shown but not offered."""
        owner = obj and obj.daily_export_owner
        if owner and not _visible_users(request.user).filter(pk=owner.pk).exists():
            return [*super().get_readonly_fields(request, obj), "daily_export_owner"]
        return super().get_readonly_fields(request, obj)


def _visible_users(user):
    from user.selectors import visible_users  # the accounts' rule lives with them (user → store)

    return visible_users(user=user)


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ["line_no", "sku_code", "product_name", "product", "quantity", "unit_price", "amount"]
    readonly_fields = ["amount"]
    raw_id_fields = ["product"]


@admin.register(Order)
class OrderAdmin(StoreScopedAdmin):
    excel_kind = "order"
    list_display = [
        "platform_order_no",
        "store",
        "status",
        "buyer_name",
        "province",
        "city",
        "total_amount",
        "ordered_at",
        "paid_at",
        "logistics",
        "tracking_no",
    ]
    list_filter = [
        "status",
        "store__platform",
        ("store", admin.RelatedOnlyFieldListFilter),
        ("warehouse", admin.RelatedOnlyFieldListFilter),
        ("logistics", admin.RelatedOnlyFieldListFilter),
        "ordered_at",
    ]
    search_fields = [
        "platform_order_no",
        "buyer_name",
        "buyer_phone",
        "tracking_no",
        "items__sku_code",
    ]
    date_hierarchy = "ordered_at"
    list_select_related = ["store", "logistics"]
    readonly_fields = ["goods_amount", "total_amount", "created_at", "updated_at"]
    inlines = [OrderItemInline]
    list_per_page = 50

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the lines are saved here
        order_totals_refresh([form.instance.pk])


@admin.register(OrderItem)
class OrderItemAdmin(StoreScopedAdmin):
    store_field = "order__store"
    list_display = [
        "order",
        "line_no",
        "sku_code",
        "product_name",
        "quantity",
        "unit_price",
        "amount",
    ]
    list_filter = [("order__store", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["sku_code", "product_name", "order__platform_order_no"]
    list_select_related = ["order"]
    raw_id_fields = ["order", "product"]
    readonly_fields = ["amount"]

    # a line saved or deleted here changes its order's totals (and, moved, its old order's)
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        order_totals_refresh([obj.order_id, form.initial.get("order") if change else None])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        order_totals_refresh([obj.order_id])

    def delete_queryset(self, request, queryset):
        order_ids = set(queryset.values_list("order_id", flat=True))
        super().delete_queryset(request, queryset)
        order_totals_refresh(order_ids)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "order":
            kwargs["queryset"] = restrict_to_stores(
                Order.objects.all(), user=request.user, store_field="store"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
