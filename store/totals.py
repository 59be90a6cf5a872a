"""Orders whose lines were saved or deleted one by one get their totals again."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Order, OrderItem
from .money import order_totals


def order_totals_refresh(order_ids: Iterable[int | None]) -> None:
    """Recompute and save the totals of these orders from their lines in the database."""
    ids = {pk for pk in order_ids if pk is not None}
    if not ids:
        return
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(pk__in=ids))
        amounts: dict[int, list[Decimal]] = {}
        lines = OrderItem.objects.filter(order_id__in=ids).values_list("order_id", "amount")
        for order_id, amount in lines:  # summed here, not by SQLite's floating point
            amounts.setdefault(order_id, []).append(amount)
        now = timezone.now()
        for order in orders:
            order.goods_amount, order.total_amount = order_totals(
                amounts.get(order.pk, []), order.freight
            )
            order.updated_at = now
        Order.objects.bulk_update(orders, ["goods_amount", "total_amount", "updated_at"])
