"""Payments section (R9): saved methods (masked per role), transactions, totals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, case, func, or_, select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.models.enums import PaymentStatus
from c360.money import money
from c360.permissions import Actor, Field, Permission, require
from c360.profile.common import decode_cursor, encode_cursor, reading
from c360.profile.orders import masked_method
from c360.views import PaymentMethodView, PaymentSummary, PaymentView

PAYMENTS_PAGE_SIZE = 10
MASKED_LAST4 = "••••"
MASKED_EXPIRY = "••/••••"


def load_transactions_page(
    session: Session,
    actor: Actor,
    customer_id: int,
    limit: int = PAYMENTS_PAGE_SIZE,
    cursor: str | None = None,
) -> tuple[tuple[PaymentView, ...], str | None]:
    """One page of payment transactions newest first, with the order number of each."""
    p = m.PaymentTransaction
    query = (
        select(p, m.Order.order_number)
        .outerjoin(m.Order, m.Order.id == p.order_id)
        .where(p.customer_id == customer_id)
        .order_by(p.created_at.desc(), p.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        at, payment_id = decode_cursor(cursor, (datetime, int))
        query = query.where(or_(p.created_at < at, and_(p.created_at == at, p.id < payment_id)))
    rows = session.execute(query).all()
    shown = rows[:limit]
    payments = tuple(
        PaymentView(
            id=tx.id,
            order_number=number,
            amount=money(tx.amount_cents),
            status=tx.status,
            method=masked_method(tx.method, actor),
            created_at=tx.created_at,
        )
        for tx, number in shown
    )
    more = len(rows) > limit
    last = shown[-1][0] if shown else None
    return payments, encode_cursor(last.created_at, last.id) if more and last else None


def load_payments(
    session: Session, actor: Actor, customer_id: int, now: datetime
) -> PaymentSummary:
    """Saved methods, the first page of transactions, and totals by status."""
    sees = actor.sees(Field.PAYMENT_DETAILS)
    methods = session.scalars(
        select(m.PaymentMethod)
        .where(m.PaymentMethod.customer_id == customer_id)
        .order_by(m.PaymentMethod.is_default.desc(), m.PaymentMethod.id)
    ).all()
    transactions, next_cursor = load_transactions_page(session, actor, customer_id)
    p = m.PaymentTransaction
    count, success_cents, refunded_cents, failed, refunded = session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((p.status == PaymentStatus.SUCCESS, p.amount_cents), else_=0)), 0
            ),
            func.coalesce(
                func.sum(case((p.status == PaymentStatus.REFUNDED, p.amount_cents), else_=0)), 0
            ),
            func.coalesce(func.sum(case((p.status == PaymentStatus.FAILED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((p.status == PaymentStatus.REFUNDED, 1), else_=0)), 0),
        ).where(p.customer_id == customer_id)
    ).one()
    return PaymentSummary(
        methods=tuple(_method_view(pm, sees, now) for pm in methods),
        transactions=transactions,
        next_cursor=next_cursor,
        transaction_count=int(count),
        total_successful=money(success_cents),
        total_refunded=money(refunded_cents),
        failed_count=int(failed),
        refunded_count=int(refunded),
        details_masked=not sees,
    )


def _method_view(pm: m.PaymentMethod, sees: bool, now: datetime) -> PaymentMethodView:
    expiry = f"{pm.exp_month:02d}/{pm.exp_year}" if pm.exp_month and pm.exp_year else None
    expired = bool(
        pm.exp_year and pm.exp_month and (pm.exp_year, pm.exp_month) < (now.year, now.month)
    )
    return PaymentMethodView(
        id=pm.id,
        type=pm.type,
        brand=pm.brand,
        last4=pm.last4 if sees or not pm.last4 else MASKED_LAST4,
        expiry=expiry if sees or not expiry else MASKED_EXPIRY,
        is_default=pm.is_default,
        is_expired=expired,
    )


def transactions_page(
    engine_or_session: Engine | Session,
    actor: Actor,
    customer_id: int,
    cursor: str | None = None,
    limit: int = PAYMENTS_PAGE_SIZE,
) -> tuple[tuple[PaymentView, ...], str | None]:
    """The next page of a customer's payment transactions for ``actor`` ("load more")."""
    require(actor, Permission.VIEW_CUSTOMERS)
    with reading(engine_or_session) as session:
        return load_transactions_page(session, actor, customer_id, limit=limit, cursor=cursor)
