"""Metrics section (R3): lifetime value and order figures from one SQL aggregate over orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from c360.models import REVENUE_STATUSES, Order, OrderStatus
from c360.money import money
from c360.views import CustomerMetrics

# Orders the customer was charged for and has not had back: the "total spent".
CHARGED_STATUSES: tuple[OrderStatus, ...] = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    *REVENUE_STATUSES,
)
DAYS_PER_MONTH = 30.4375


def load_metrics(
    session: Session, customer_id: int, registered_at: datetime, now: datetime
) -> CustomerMetrics:
    """Lifetime value (delivered + completed, exactly), counts, AOV, recency, frequency, tenure."""
    revenue = Order.status.in_(REVENUE_STATUSES)
    charged = Order.status.in_(CHARGED_STATUSES)
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((revenue, 1), else_=0)), 0),
            func.coalesce(func.sum(case((revenue, Order.total_cents), else_=0)), 0),
            func.coalesce(func.sum(case((charged, Order.total_cents), else_=0)), 0),
            func.min(Order.created_at),
            func.max(Order.created_at),
            func.max(case((charged, Order.created_at), else_=None)),
        ).where(Order.customer_id == customer_id)
    ).one()
    total, completed, revenue_cents, charged_cents, first_at, last_at, last_purchase_at = row
    completed = int(completed)
    lifetime_value = money(revenue_cents)
    tenure_days = max(0, (now - registered_at).days)
    months = max(1.0, tenure_days / DAYS_PER_MONTH)
    return CustomerMetrics(
        lifetime_value=lifetime_value,
        total_orders=int(total),
        completed_orders=completed,
        average_order_value=money(round(revenue_cents / completed)) if completed else money(0),
        total_spent=money(charged_cents),
        first_order_at=first_at,
        last_order_at=last_at,
        days_since_last_purchase=(
            max(0, (now - last_purchase_at).days) if last_purchase_at is not None else None
        ),
        purchase_frequency_per_month=completed / months,
        tenure_days=tenure_days,
    )
