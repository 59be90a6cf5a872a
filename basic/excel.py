"""Import/export specs of the base data: products, warehouses, carriers."""

from django.utils.translation import gettext_lazy as _

from basic.filejobs.sheets.cell_types import CHOICE, CODE, DECIMAL, TEXT
from basic.filejobs.sheets.columns import Column
from basic.filejobs.sheets.specs import register
from basic.filejobs.sheets.upsert import FlatModelSpec
from basic.models import ActiveStatus, LogisticsCompany, Product, Warehouse

# The SKU code column, the same wherever a sheet names a product (products, order lines).
SKU_CODE = Column(
    "sku_code",
    "商品编码",
    CODE,
    aliases=("SKU", "SKU编码", "商家编码", "货号"),
    example="SKU0001",
)
STATUS = Column(
    "status", "状态", CHOICE, choices=ActiveStatus, aliases=("是否启用",), example="启用"
)


@register
class ProductSpec(FlatModelSpec):
    kind = "product"
    label = _("Products")
    description = _("The product catalogue, one row per SKU; the SKU code identifies a product.")
    model = Product
    key = ("sku_code",)
    import_permissions = ("basic.add_product", "basic.change_product")
    export_permissions = ("basic.view_product",)
    columns = (
        SKU_CODE,
        Column(
            "name",
            "商品名称",
            TEXT,
            aliases=("名称", "品名", "product_name"),
            example="赣南脐橙 5kg装",
        ),
        Column(
            "barcode",
            "条码",
            CODE,
            aliases=("条形码", "69码"),
            example="6900000000017",
        ),
        Column("spec", "规格", TEXT, aliases=("规格型号",), example="5kg装"),
        Column("unit", "单位", TEXT, example="箱"),
        Column(
            "weight", "重量(kg)", DECIMAL, places=3, minimum=0, aliases=("重量",), example="5.2"
        ),
        Column("price", "售价", DECIMAL, minimum=0, aliases=("价格", "销售价"), example="59.90"),
        Column("cost", "成本价", DECIMAL, minimum=0, aliases=("成本",), example="32.00"),
        STATUS,
    )


@register
class WarehouseSpec(FlatModelSpec):
    kind = "warehouse"
    label = _("Warehouses")
    description = _("Warehouses that ship orders; the warehouse code identifies one.")
    model = Warehouse
    key = ("code",)
    import_permissions = ("basic.add_warehouse", "basic.change_warehouse")
    export_permissions = ("basic.view_warehouse",)
    columns = (
        Column(
            "code",
            "仓库编码",
            CODE,
            aliases=("warehouse_code",),
            example="WH-SH",
        ),
        Column(
            "name",
            "仓库名称",
            TEXT,
            aliases=("warehouse_name", "仓库"),
            example="上海嘉定仓",
        ),
        Column(
            "address",
            "地址",
            TEXT,
            aliases=("仓库地址",),
            example="上海市嘉定区安亭镇墨玉南路888号",
        ),
        STATUS,
    )


@register
class LogisticsSpec(FlatModelSpec):
    kind = "logistics"
    label = _("Logistics companies")
    description = _("Carriers that deliver orders; the carrier code identifies one.")
    model = LogisticsCompany
    key = ("code",)
    import_permissions = ("basic.add_logisticscompany", "basic.change_logisticscompany")
    export_permissions = ("basic.view_logisticscompany",)
    columns = (
        Column(
            "code",
            "物流公司编码",
            CODE,
            aliases=("logistics_code", "快递公司编码", "承运商编码"),
            example="SF",
        ),
        Column(
            "name",
            "物流公司名称",
            TEXT,
            aliases=("logistics_name", "快递公司", "物流公司"),
            example="顺丰速运",
        ),
    )
