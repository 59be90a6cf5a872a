"""An order's money, by one rule for every path that writes lines.

A line's amount is its unit price times its quantity; an order's goods amount is the sum
of its lines' amounts, and its total the goods amount plus freight. The import computes
them in memory before its bulk writes; the model, the admin (through
:func:`store.totals.order_totals_refresh`) and the demo data use the same two functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

ZERO = Decimal("0")


def line_amount(unit_price: Decimal | None, quantity: int | None) -> Decimal:
    return (unit_price or ZERO) * (quantity or 0)


def order_totals(amounts: Iterable[Decimal], freight: Decimal | None) -> tuple[Decimal, Decimal]:
    """``(goods amount, total amount)`` of an order with these line amounts and freight."""
    goods = sum(amounts, ZERO)
    return goods, goods + (freight or ZERO)
