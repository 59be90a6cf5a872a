"""django-import-export resources for the comparison (a bench dependency only).

Fairness: the resources read the very same files our importer reads and write the same
models. The Chinese headers are mapped with ``column_name`` (no second file with English
keys), and the status labels (启用/停用) are turned into their codes by a small widget,
the work our importer does too. The bulk variant follows the library's "Bulk imports"
advice: ``use_bulk``, ``batch_size=2000``, ``skip_diff``, ``skip_html_diff`` and the
``CachedInstanceLoader`` (one query per batch instead of one per row). It still looks up
existing rows by ``sku_code``, as our create-or-update mode does; ``force_init_instance``
would skip that and so is not used. The export resource follows the same paths as our
order spec (order fields through ``order__``, status as its label) over a queryset with
``select_related``, as the library's docs advise.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from basic.models import Product
from bench.data import STATUS_LABELS
from store.models import OrderItem


class StatusLabelWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return STATUS_LABELS.get(value, value)


def _field(attribute: str, header: str, widget: widgets.Widget | None = None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=header, widget=widget)


class ProductResource(resources.ModelResource):
    sku_code = _field("sku_code", "商品编码", widgets.CharWidget())
    name = _field("name", "商品名称", widgets.CharWidget())
    barcode = _field("barcode", "条码", widgets.CharWidget())
    spec = _field("spec", "规格", widgets.CharWidget())
    unit = _field("unit", "单位", widgets.CharWidget())
    weight = _field("weight", "重量(kg)", widgets.DecimalWidget())
    price = _field("price", "售价", widgets.DecimalWidget())
    cost = _field("cost", "成本价", widgets.DecimalWidget())
    status = _field("status", "状态", StatusLabelWidget())

    class Meta:
        model = Product
        fields = ("sku_code", "name", "barcode", "spec", "unit", "weight", "price", "cost",
                  "status")  # fmt: skip
        import_id_fields = ("sku_code",)


class ProductBulkResource(ProductResource):
    class Meta(ProductResource.Meta):
        use_bulk = True
        batch_size = 2000
        skip_diff = True
        skip_html_diff = True
        instance_loader_class = CachedInstanceLoader


ORDER_EXPORT = (
    ("order__store__code", "店铺编码"), ("order__platform_order_no", "平台订单号"),
    ("order__get_status_display", "订单状态"), ("order__buyer_name", "买家姓名"),
    ("order__buyer_phone", "买家电话"), ("order__province", "省份"), ("order__city", "城市"),
    ("order__district", "区县"), ("order__address", "详细地址"), ("order__freight", "运费"),
    ("order__ordered_at", "下单时间"), ("order__paid_at", "付款时间"),
    ("order__warehouse__code", "仓库编码"), ("order__logistics__code", "物流公司编码"),
    ("order__tracking_no", "运单号"), ("order__remark", "备注"), ("sku_code", "商品编码"),
    ("product_name", "商品名称"), ("quantity", "数量"), ("unit_price", "单价"),
)  # fmt: skip


class OrderLineResource(resources.ModelResource):
    class Meta:
        model = OrderItem
        fields: tuple = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for attribute, header in ORDER_EXPORT:
            self.fields[attribute] = _field(attribute, header)

    def get_export_order(self) -> tuple:
        return tuple(attribute for attribute, _header in ORDER_EXPORT)


def order_lines_queryset():
    return OrderItem.objects.select_related(
        "order__store", "order__warehouse", "order__logistics"
    ).order_by("pk")
