"""Money is stored as integer cents; this turns it into exact Decimal amounts."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def money(cents: int | None) -> Decimal:
    """Integer cents as an exact Decimal amount (``1234`` -> ``Decimal('12.34')``)."""
    return Decimal(int(cents or 0)).scaleb(-2).quantize(CENT)
