from django.contrib import admin

from basic.filejobs.admin_mixins import ExcelAdminMixin
from basic.models import LogisticsCompany, Product, Warehouse

# The admin index adds the Excel import/export links and the job center.
admin.site.index_template = "admin/oms_index.html"


@admin.register(Product)
class ProductAdmin(ExcelAdminMixin, admin.ModelAdmin):
    excel_kind = "product"
    list_display = [
        "sku_code",
        "name",
        "barcode",
        "spec",
        "unit",
        "price",
        "cost",
        "status",
        "updated_at",
    ]
    list_filter = ["status", "unit"]
    search_fields = ["sku_code", "name", "barcode"]
    date_hierarchy = "created_at"
    list_per_page = 50


@admin.register(Warehouse)
class WarehouseAdmin(ExcelAdminMixin, admin.ModelAdmin):
    excel_kind = "warehouse"
    list_display = ["code", "name", "address", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["code", "name", "address"]


@admin.register(LogisticsCompany)
class LogisticsCompanyAdmin(ExcelAdminMixin, admin.ModelAdmin):
    excel_kind = "logistics"
    list_display = ["code", "name", "updated_at"]
    search_fields = ["code", "name"]
