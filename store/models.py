from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from basic.models import MONEY, NON_NEGATIVE, LogisticsCompany, Product, TimestampedModel, Warehouse

from .money import line_amount, order_totals


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    PDD = "pdd", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    SHOPIFY = "shopify", _("Shopify")
    AMAZON = "amazon", _("Amazon")
    OTHER = "other", _("Other")


class StoreStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Store(TimestampedModel):
    code = models.CharField(_("store code"), max_length=32, unique=True)
    name = models.CharField(_("store name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=StoreStatus.choices, default=StoreStatus.OPEN
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        help_text=_("Day boundaries of this store's daily export."),
    )
    daily_export = models.BooleanField(
        _("daily order export"),
        default=False,
        help_text=_("Every night, export the previous day's orders of this store."),
    )
    daily_export_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("daily export owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The user whose job center lists the daily export."),
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending payment")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Order(TimestampedModel):
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="orders"
    )
    platform_order_no = models.CharField(_("platform order number"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    buyer_name = models.CharField(_("buyer name"), max_length=100, blank=True)
    buyer_phone = models.CharField(_("buyer phone"), max_length=32, blank=True)
    province = models.CharField(_("province"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    goods_amount = models.DecimalField(
        _("goods amount"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    freight = models.DecimalField(_("freight"), default=0, validators=NON_NEGATIVE, **MONEY)
    total_amount = models.DecimalField(
        _("total amount"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    logistics = models.ForeignKey(
        LogisticsCompany,
        verbose_name=_("logistics company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True)
    remark = models.CharField(_("remark"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "platform_order_no"], name="order_unique_per_store"
            )
        ]
        indexes = [
            models.Index(fields=["store", "status"], name="order_store_status"),
            models.Index(fields=["store", "ordered_at"], name="order_store_ordered"),
            models.Index(fields=["status", "ordered_at"], name="order_status_ordered"),
            models.Index(fields=["ordered_at"], name="order_ordered"),
        ]

    def __str__(self):
        return self.platform_order_no

    def recalculate_totals(self, items=None) -> None:
        """Goods amount and total from the lines (store.totals), not saved."""
        items = self.items.all() if items is None else items
        self.goods_amount, self.total_amount = order_totals(
            (item.amount for item in items), self.freight
        )


class OrderItem(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_items",
    )
    line_no = models.CharField(
        _("line number"),
        max_length=64,
        blank=True,
        help_text=_(
            "The line's own number within its order (a platform's sub-order number); "
            "one order may have the same SKU on several lines."
        ),
    )
    sku_code = models.CharField(_("SKU code"), max_length=64)
    product_name = models.CharField(_("product name"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), default=0, validators=NON_NEGATIVE, **MONEY)
    amount = models.DecimalField(_("amount"), default=0, validators=NON_NEGATIVE, **MONEY)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["order_id", "id"]
        indexes = [models.Index(fields=["sku_code"], name="orderitem_sku")]

    def __str__(self):
        return f"{self.sku_code} × {self.quantity}"

    def save(self, *args, **kwargs):
        self.amount = line_amount(self.unit_price, self.quantity)
        if not self.line_no and self.order_id:
            self.line_no = next_line_no(
                OrderItem.objects.filter(order_id=self.order_id).values_list("line_no", flat=True)
            )
        super().save(*args, **kwargs)


def next_line_no(taken) -> str:
    """The number after the highest numeric line number in ``taken`` ("1" for none)."""
    numbers = [int(n) for n in taken if n.isdigit()]
    return str(max(numbers, default=0) + 1)
