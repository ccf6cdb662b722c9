"""The per-customer order rollup (customer_stats): rebuilt set-based from the orders table."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from c360.models import REVENUE_STATUSES, CustomerStats, Order, utcnow


def refresh_customer_stats(session: Session, customer_ids: Iterable[int] | None = None) -> None:
    """Recompute the rollup for ``customer_ids`` (None: everyone) in the caller's transaction."""
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids is not None and not ids:
        return
    completed = Order.status.in_(REVENUE_STATUSES)
    query = select(
        Order.customer_id,
        func.count(),
        func.sum(case((completed, 1), else_=0)),
        func.coalesce(func.sum(case((completed, Order.total_cents), else_=0)), 0),
        func.min(Order.created_at),
        func.max(Order.created_at),
        literal(utcnow()),
    ).group_by(Order.customer_id)
    target = delete(CustomerStats)
    if ids is not None:
        query = query.where(Order.customer_id.in_(ids))
        target = target.where(CustomerStats.customer_id.in_(ids))
    session.execute(target)
    session.execute(
        insert(CustomerStats).from_select(
            [
                CustomerStats.customer_id,
                CustomerStats.order_count,
                CustomerStats.completed_order_count,
                CustomerStats.lifetime_value_cents,
                CustomerStats.first_order_at,
                CustomerStats.last_order_at,
                CustomerStats.refreshed_at,
            ],
            query,
        )
    )
