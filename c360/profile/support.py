"""Support section (R6): tickets newest first, open ones flagged, counts and resolution time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, case, extract, func, or_, select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.models import OPEN_TICKET_STATUSES
from c360.permissions import Actor, Permission, require
from c360.profile.common import decode_cursor, encode_cursor, reading
from c360.views import SupportHistory, TicketView

TICKETS_PAGE_SIZE = 10


def load_tickets_page(
    session: Session, customer_id: int, limit: int = TICKETS_PAGE_SIZE, cursor: str | None = None
) -> tuple[tuple[TicketView, ...], str | None]:
    """One page of tickets newest first (keyset on created_at, id) and the next cursor."""
    t = m.SupportTicket
    query = (
        select(t)
        .where(t.customer_id == customer_id)
        .order_by(t.created_at.desc(), t.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        at, ticket_id = decode_cursor(cursor, (datetime, int))
        query = query.where(or_(t.created_at < at, and_(t.created_at == at, t.id < ticket_id)))
    rows = session.scalars(query).all()
    shown = rows[:limit]
    tickets = tuple(
        TicketView(
            id=r.id,
            subject=r.subject,
            description=r.description,
            status=r.status,
            priority=r.priority,
            created_at=r.created_at,
            resolved_at=r.resolved_at,
            satisfaction_rating=r.satisfaction_rating,
        )
        for r in shown
    )
    more = len(rows) > limit
    return tickets, encode_cursor(shown[-1].created_at, shown[-1].id) if more else None


def load_support(session: Session, customer_id: int) -> SupportHistory:
    """First page of tickets plus totals, open count and averages (one aggregate)."""
    tickets, next_cursor = load_tickets_page(session, customer_id)
    t = m.SupportTicket
    resolution_seconds = extract("epoch", t.resolved_at) - extract("epoch", t.created_at)
    total, open_count, avg_seconds, avg_rating = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((t.status.in_(OPEN_TICKET_STATUSES), 1), else_=0)), 0),
            func.avg(case((t.resolved_at.is_not(None), resolution_seconds), else_=None)),
            func.avg(t.satisfaction_rating),
        ).where(t.customer_id == customer_id)
    ).one()
    return SupportHistory(
        tickets=tickets,
        total_tickets=int(total),
        open_tickets=int(open_count),
        average_resolution_hours=float(avg_seconds) / 3600 if avg_seconds is not None else None,
        average_satisfaction=float(avg_rating) if avg_rating is not None else None,
        next_cursor=next_cursor,
    )


def tickets_page(
    engine_or_session: Engine | Session,
    actor: Actor,
    customer_id: int,
    cursor: str | None = None,
    limit: int = TICKETS_PAGE_SIZE,
) -> tuple[tuple[TicketView, ...], str | None]:
    """The next page of a customer's tickets for ``actor`` ("load more")."""
    require(actor, Permission.VIEW_CUSTOMERS)
    with reading(engine_or_session) as session:
        return load_tickets_page(session, customer_id, limit=limit, cursor=cursor)
