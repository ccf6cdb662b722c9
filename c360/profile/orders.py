"""Orders section (R2): every order newest first with its item count, a page at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from c360 import models as m
from c360.errors import NotFound
from c360.money import money
from c360.permissions import Actor, Field, Permission, require
from c360.profile.common import decode_cursor, encode_cursor, reading
from c360.views import OrderDetail, OrderItemView, OrdersPage, OrderSummary, PaymentView

ORDERS_PAGE_SIZE = 10


def _item_count() -> ScalarSelect[int]:
    # Correlated per shown order; served by the (order_id, line_no) unique index.
    return (
        select(func.coalesce(func.sum(m.OrderItem.quantity), 0))
        .where(m.OrderItem.order_id == m.Order.id)
        .scalar_subquery()
    )


def load_orders_page(
    session: Session, customer_id: int, limit: int = ORDERS_PAGE_SIZE, cursor: str | None = None
) -> OrdersPage:
    """One page of orders, newest first (keyset on created_at, id); ``cursor`` from the last."""
    query = (
        select(
            m.Order.id,
            m.Order.order_number,
            m.Order.created_at,
            m.Order.status,
            m.Order.total_cents,
            _item_count(),
        )
        .where(m.Order.customer_id == customer_id)
        .order_by(m.Order.created_at.desc(), m.Order.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        at, order_id = decode_cursor(cursor, (datetime, int))
        query = query.where(
            or_(m.Order.created_at < at, and_(m.Order.created_at == at, m.Order.id < order_id))
        )
    rows = session.execute(query).all()
    shown = rows[:limit]
    orders = tuple(
        OrderSummary(
            id=r[0],
            order_number=r[1],
            created_at=r[2],
            status=r[3],
            total=money(r[4]),
            item_count=int(r[5]),
        )
        for r in shown
    )
    more = len(rows) > limit
    return OrdersPage(
        orders=orders,
        next_cursor=encode_cursor(shown[-1][2], shown[-1][0]) if more else None,
    )


def orders_page(
    engine_or_session: Engine | Session,
    actor: Actor,
    customer_id: int,
    cursor: str | None = None,
    limit: int = ORDERS_PAGE_SIZE,
) -> OrdersPage:
    """The next page of a customer's orders for ``actor`` ("load more")."""
    require(actor, Permission.VIEW_CUSTOMERS)
    with reading(engine_or_session) as session:
        return load_orders_page(session, customer_id, limit=limit, cursor=cursor)


def masked_method(method: str, actor: Actor) -> str:
    """A payment method label with its digits hidden unless ``actor`` sees payment details."""
    if actor.sees(Field.PAYMENT_DETAILS):
        return method
    return "".join("•" if c.isdigit() else c for c in method)


def order_detail(
    engine_or_session: Engine | Session, actor: Actor, customer_id: int, order_id: int
) -> OrderDetail:
    """One order of ``customer_id`` with its items and payments (NotFound if not theirs)."""
    require(actor, Permission.VIEW_CUSTOMERS)
    with reading(engine_or_session) as session:
        head = session.execute(
            select(
                m.Order.id,
                m.Order.order_number,
                m.Order.created_at,
                m.Order.status,
                m.Order.total_cents,
                _item_count(),
            ).where(m.Order.id == order_id, m.Order.customer_id == customer_id)
        ).first()
        if head is None:
            raise NotFound(f"This customer has no order with the id {order_id}.")
        items = session.execute(
            select(m.OrderItem, m.Category.name)
            .outerjoin(m.Category, m.Category.id == m.OrderItem.category_id)
            .where(m.OrderItem.order_id == order_id)
            .order_by(m.OrderItem.line_no)
        ).all()
        payments = session.scalars(
            select(m.PaymentTransaction)
            .where(m.PaymentTransaction.order_id == order_id)
            .order_by(m.PaymentTransaction.created_at, m.PaymentTransaction.id)
        ).all()
    summary = OrderSummary(
        id=head[0],
        order_number=head[1],
        created_at=head[2],
        status=head[3],
        total=money(head[4]),
        item_count=int(head[5]),
    )
    return OrderDetail(
        order=summary,
        items=tuple(
            OrderItemView(
                product_name=item.product_name,
                category=category,
                quantity=item.quantity,
                unit_price=money(item.unit_price_cents),
                total=money(item.total_cents),
            )
            for item, category in items
        ),
        payments=tuple(
            PaymentView(
                id=p.id,
                order_number=summary.order_number,
                amount=money(p.amount_cents),
                status=p.status,
                method=masked_method(p.method, actor),
                created_at=p.created_at,
            )
            for p in payments
        ),
    )
