from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(0)]


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ActiveStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Product(TimestampedModel):
    sku_code = models.CharField(_("SKU code"), max_length=64, unique=True)
    name = models.CharField(_("product name"), max_length=200)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, db_index=True)
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    weight = models.DecimalField(
        _("weight (kg)"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    price = models.DecimalField(_("price"), default=0, validators=NON_NEGATIVE, **MONEY)
    cost = models.DecimalField(_("cost"), default=0, validators=NON_NEGATIVE, **MONEY)
    status = models.CharField(
        _("status"), max_length=16, choices=ActiveStatus.choices, default=ActiveStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku_code"]

    def __str__(self):
        return f"{self.sku_code} {self.name}"


class Warehouse(TimestampedModel):
    code = models.CharField(_("warehouse code"), max_length=32, unique=True)
    name = models.CharField(_("warehouse name"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActiveStatus.choices, default=ActiveStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class LogisticsCompany(TimestampedModel):
    code = models.CharField(_("carrier code"), max_length=32, unique=True)
    name = models.CharField(_("carrier name"), max_length=100)

    class Meta:
        verbose_name = _("logistics company")
        verbose_name_plural = _("logistics companies")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


# The file-job engine's models are this app's too (app label "basic", same tables).
from basic.filejobs.models import (  # noqa: E402, F401
    FileJob,
    ImportKeys,
    ImportPart,
    ImportRowError,
    ImportSample,
)
