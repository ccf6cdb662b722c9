"""Cost: the whole profile is a small, fixed number of SQL statements, whatever the history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, insert, select

from c360 import models as m
from c360.db import session_factory
from c360.models import StaffRole, utcnow
from c360.profile import build_customer_360
from c360.timeline import activity_by_month, timeline_page
from tests import factories
from tests.profile_seed import rich_customer

# One statement per section query; see c360/profile/__init__.py.
EXPECTED_PROFILE_STATEMENTS = 21


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_history(engine: Engine, customer_id: int, orders: int) -> None:
    """Bulk-add ``orders`` orders, each with an item, a payment, points and a campaign message."""
    now = utcnow()
    with session_factory(engine)() as s:
        campaign = m.Campaign(name=f"Bulk {customer_id}", channel=m.Channel.EMAIL)
        s.add(campaign)
        s.flush()
        first_id = (s.scalar(select(m.Order.id).order_by(m.Order.id.desc()).limit(1)) or 0) + 1
        ids = range(first_id, first_id + orders)
        at = [now - timedelta(hours=3 * i + 1) for i in range(orders)]
        s.execute(
            insert(m.Order),
            [
                {
                    "id": oid,
                    "order_number": f"B{customer_id}-{oid}",
                    "customer_id": customer_id,
                    "status": m.OrderStatus.COMPLETED,
                    "total_cents": 1000,
                    "created_at": t,
                }
                for oid, t in zip(ids, at, strict=True)
            ],
        )
        s.execute(
            insert(m.OrderItem),
            [
                {
                    "order_id": oid,
                    "customer_id": customer_id,
                    "line_no": 1,
                    "product_name": "Thing",
                    "quantity": 1,
                    "unit_price_cents": 1000,
                    "total_cents": 1000,
                }
                for oid in ids
            ],
        )
        s.execute(
            insert(m.PaymentTransaction),
            [
                {
                    "customer_id": customer_id,
                    "order_id": oid,
                    "amount_cents": 1000,
                    "status": m.PaymentStatus.SUCCESS,
                    "method": "Visa 4242",
                    "created_at": t,
                }
                for oid, t in zip(ids, at, strict=True)
            ],
        )
        s.execute(
            insert(m.LoyaltyTransaction),
            [
                {
                    "customer_id": customer_id,
                    "kind": m.PointsKind.EARNED,
                    "points": 10,
                    "reason": "order",
                    "created_at": t,
                }
                for t in at
            ],
        )
        s.execute(
            insert(m.CampaignMessage),
            [
                {
                    "campaign_id": campaign.id,
                    "customer_id": customer_id,
                    "channel": m.Channel.EMAIL,
                    "sent_at": t,
                    "opened_at": t,
                    "clicked_at": t,
                }
                for t in at
            ],
        )
        s.execute(
            insert(m.WebSession),
            [
                {
                    "customer_id": customer_id,
                    "device": m.Device.MOBILE,
                    "started_at": t,
                    "duration_seconds": 60,
                    "page_views": 2,
                    "bounced": False,
                }
                for t in at
            ],
        )
        s.commit()


def _statements_for_profile(engine: Engine, actor, customer_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with counting(engine) as profile:
        view = build_customer_360(engine, actor, customer_id)
    with counting(engine) as timeline:
        page = timeline_page(engine, actor, customer_id)
    with counting(engine) as chart:
        activity_by_month(engine, actor, customer_id)
    assert len(view.recent_orders) <= 10 and len(page.events) <= 20
    return {"profile": len(profile), "timeline": len(timeline), "chart": len(chart)}


@pytest.mark.slow
def test_a_customer_with_5000_orders_costs_the_same_statements_as_one_with_5(engine, actors):
    admin = actors[StaffRole.ADMIN]
    with session_factory(engine)() as s:
        author = s.get(m.StaffUser, actors[StaffRole.ACCOUNT_MANAGER].id)
        small = rich_customer(s, author, name="Small History").customer_id
        big = rich_customer(s, author, name="Big History").customer_id
        s.commit()
    _add_history(engine, small, 5)
    _add_history(engine, big, 5000)

    small_counts = _statements_for_profile(engine, admin, small)
    big_counts = _statements_for_profile(engine, admin, big)

    assert small_counts == big_counts
    assert small_counts["profile"] == EXPECTED_PROFILE_STATEMENTS
    # One statement per timeline source, one for the whole activity chart.
    assert small_counts["timeline"] == 10 and small_counts["chart"] == 1
    view = build_customer_360(engine, admin, big)
    assert view.metrics.total_orders == 5008
    assert len(view.recent_orders) == 10 and view.orders_next_cursor is not None
    assert len(view.payments.transactions) == 10
    assert len(view.loyalty.recent_transactions) == 10  # type: ignore[union-attr]
    assert len(view.marketing.recent_campaigns) == 10


def test_an_empty_customer_costs_no_more_statements_than_a_rich_one(engine, actors):
    with session_factory(engine)() as s:
        cid = factories.customer(s, name="Empty").id
        s.commit()
    with counting(engine) as statements:
        build_customer_360(engine, actors[StaffRole.ANALYST], cid)
    # No loyalty account: its ledger is not even asked for.
    assert len(statements) == EXPECTED_PROFILE_STATEMENTS - 1
