"""The Customer 360 read side: one call builds everything the profile page shows.

Each section has its own small query module; ``build_customer_360`` runs them all in one
session with a fixed number of SQL statements, whatever the size of the customer's history
(every list is a first page; every figure is an SQL aggregate).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.models import utcnow
from c360.notes import visible_to
from c360.permissions import Actor, Permission, require
from c360.profile.behaviour import load_behaviour
from c360.profile.common import reading
from c360.profile.loyalty import load_loyalty
from c360.profile.marketing import load_marketing
from c360.profile.metrics import load_metrics
from c360.profile.orders import load_orders_page, order_detail, orders_page
from c360.profile.payments import load_payments, transactions_page
from c360.profile.profile import load_addresses, load_core, load_segments, load_tags
from c360.profile.support import load_support, tickets_page
from c360.scoring.read import prediction_view
from c360.views import Customer360View, CustomerNote

RECENT_NOTES = 20

__all__ = [
    "build_customer_360",
    "order_detail",
    "orders_page",
    "tickets_page",
    "transactions_page",
]


def build_customer_360(
    engine_or_session: Engine | Session,
    actor: Actor,
    customer_id: int,
    now: datetime | None = None,
) -> Customer360View:
    """Everything about ``customer_id`` that ``actor`` may see (NotFound for an unknown id)."""
    require(actor, Permission.VIEW_CUSTOMERS)
    now = now or utcnow()
    with reading(engine_or_session) as session:
        core = load_core(session, actor, customer_id)
        profile = replace(
            core.profile,
            addresses=load_addresses(session, actor, customer_id),
            tags=load_tags(session, customer_id),
            segments=load_segments(session, customer_id),
        )
        orders = load_orders_page(session, customer_id)
        metrics = load_metrics(session, customer_id, profile.registered_at, now)
        return Customer360View(
            profile=profile,
            metrics=metrics,
            health=core.health,
            churn=core.churn,
            # The overdue flag (B5) follows the live days since the last order, not the stored run.
            prediction=None
            if core.prediction_row is None
            else prediction_view(core.prediction_row, metrics.days_since_last_purchase),
            recent_orders=orders.orders,
            loyalty=load_loyalty(session, customer_id, now),
            marketing=load_marketing(session, customer_id),
            support=load_support(session, customer_id),
            payments=load_payments(session, actor, customer_id, now),
            behaviour=load_behaviour(session, customer_id),
            notes=_load_notes(session, actor, customer_id),
            orders_next_cursor=orders.next_cursor,
            built_at=now,
        )


def _load_notes(session: Session, actor: Actor, customer_id: int) -> tuple[CustomerNote, ...]:
    rows = session.execute(
        select(m.CustomerNote, m.StaffUser.name)
        .outerjoin(m.StaffUser, m.StaffUser.id == m.CustomerNote.author_id)
        .where(m.CustomerNote.customer_id == customer_id, visible_to(actor))
        .order_by(m.CustomerNote.created_at.desc(), m.CustomerNote.id.desc())
        .limit(RECENT_NOTES)
    ).all()
    return tuple(
        CustomerNote(
            id=note.id,
            author=author,
            author_id=note.author_id,
            content=note.content,
            visibility=note.visibility,
            created_at=note.created_at,
            edited_at=note.updated_at,
        )
        for note, author in rows
    )
