"""Behaviour section (R10): top categories, sessions, devices, weekday x hour, all in SQL."""

from __future__ import annotations

from sqlalchemy import Integer, cast, extract, func, select, union_all
from sqlalchemy.orm import Session

from c360 import models as m
from c360.models import OrderStatus
from c360.views import BehavioralAnalytics

TOP_CATEGORIES = 5
# Items of these orders were never really bought.
NOT_PURCHASED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def load_behaviour(session: Session, customer_id: int) -> BehavioralAnalytics:
    """Most viewed and purchased categories, session count and length, devices, heatmap."""
    return BehavioralAnalytics(
        most_viewed_categories=_most_viewed(session, customer_id),
        most_purchased_categories=_most_purchased(session, customer_id),
        **_sessions(session, customer_id),
    )


def _most_viewed(session: Session, customer_id: int) -> tuple[tuple[str, int], ...]:
    # Category page views and product views both count as interest in the category.
    views = union_all(
        select(m.CategoryView.category_id.label("category_id")).where(
            m.CategoryView.customer_id == customer_id
        ),
        select(m.ProductView.category_id.label("category_id")).where(
            m.ProductView.customer_id == customer_id, m.ProductView.category_id.is_not(None)
        ),
    ).subquery()
    counted = func.count().label("n")
    rows = session.execute(
        select(m.Category.name, counted)
        .join(views, views.c.category_id == m.Category.id)
        .group_by(m.Category.id, m.Category.name)
        .order_by(counted.desc(), m.Category.name)
        .limit(TOP_CATEGORIES)
    ).all()
    return tuple((name, int(n)) for name, n in rows)


def _most_purchased(session: Session, customer_id: int) -> tuple[tuple[str, int], ...]:
    quantity = func.sum(m.OrderItem.quantity).label("quantity")
    rows = session.execute(
        select(m.Category.name, quantity)
        .select_from(m.OrderItem)
        .join(m.Category, m.Category.id == m.OrderItem.category_id)
        .join(m.Order, m.Order.id == m.OrderItem.order_id)
        .where(m.OrderItem.customer_id == customer_id, m.Order.status.not_in(NOT_PURCHASED))
        .group_by(m.Category.id, m.Category.name)
        .order_by(quantity.desc(), m.Category.name)
        .limit(TOP_CATEGORIES)
    ).all()
    return tuple((name, int(n)) for name, n in rows)


def _sessions(session: Session, customer_id: int) -> dict[str, object]:
    s = m.WebSession
    devices = session.execute(
        select(s.device, func.count(), func.sum(s.duration_seconds))
        .where(s.customer_id == customer_id)
        .group_by(s.device)
    ).all()
    count = sum(int(n) for _, n, _ in devices)
    seconds = sum(int(total or 0) for _, _, total in devices)
    sql_weekday = cast(extract("dow", s.started_at), Integer)
    hour = cast(extract("hour", s.started_at), Integer)
    heat = session.execute(
        select(sql_weekday, hour, func.count())
        .where(s.customer_id == customer_id)
        .group_by(sql_weekday, hour)
    ).all()
    return {
        "session_count": count,
        "average_session_seconds": seconds / count if count else None,
        "device_breakdown": {
            str(device.value if hasattr(device, "value") else device): int(n)
            for device, n, _ in sorted(devices, key=lambda r: -int(r[1]))
        },
        # SQL counts weekdays from Sunday = 0; the view uses Monday = 0.
        "activity_heatmap": {((int(d) + 6) % 7, int(h)): int(n) for d, h, n in heat},
    }
