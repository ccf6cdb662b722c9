"""Compare: 2–3 customers side by side, differences marked, overlaps and spend by month."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from c360.compare import compare_customers, parse_ids
from c360.db import session_factory
from c360.errors import NotFound, PermissionDenied, ValidationError
from c360.models import (
    Campaign,
    CampaignMessage,
    Channel,
    CustomerSegment,
    CustomerTag,
    HealthLevel,
    HealthScore,
    OrderStatus,
    Segment,
    StaffRole,
    Tag,
    utcnow,
)
from c360.permissions import Actor
from tests import factories


@pytest.mark.parametrize("raw", ["", "1", "1,1", "1,2,3,4", "1,2,3,4,5"])
def test_fewer_than_two_or_more_than_three_customers_get_a_clear_message(raw: str) -> None:
    with pytest.raises(ValidationError, match="at most 3|Select 2 or 3"):
        parse_ids(raw)


def test_ids_are_read_from_a_link_in_order_without_duplicates() -> None:
    assert parse_ids(" 3, 1,3 ") == (3, 1)
    with pytest.raises(ValidationError, match="whole numbers"):
        parse_ids("1,abc")


def test_two_customers_are_compared_with_differences_and_overlaps(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    now = utcnow()
    with session_factory(engine)() as s:
        a = factories.customer(s, name="Alice")
        b = factories.customer(s, name="Bob")
        factories.order(s, a, total_cents=10000, created_at=now - timedelta(days=40))
        factories.order(s, a, total_cents=5000, created_at=now - timedelta(days=5))
        factories.order(s, a, total_cents=9900, status=OrderStatus.CANCELLED)
        factories.order(s, b, total_cents=2500, created_at=now - timedelta(days=100))
        s.add(
            HealthScore(
                customer_id=a.id,
                score=81,
                purchase_score=90,
                engagement_score=70,
                support_score=100,
                recency_score=95,
                level=HealthLevel.EXCELLENT,
            )
        )
        shared, only_a = (
            Segment(name="Shared", is_automatic=False),
            Segment(name="Only A", is_automatic=False),
        )
        vip = Tag(name="vip")
        campaign = Campaign(name="Spring", channel=Channel.EMAIL)
        s.add_all([shared, only_a, vip, campaign])
        s.flush()
        s.add_all(
            [
                CustomerSegment(customer_id=a.id, segment_id=shared.id),
                CustomerSegment(customer_id=b.id, segment_id=shared.id),
                CustomerSegment(customer_id=a.id, segment_id=only_a.id),
                CustomerTag(customer_id=b.id, tag_id=vip.id),
                CampaignMessage(
                    campaign_id=campaign.id,
                    customer_id=a.id,
                    channel=Channel.EMAIL,
                    sent_at=now,
                    opened_at=now,
                ),
                CampaignMessage(
                    campaign_id=campaign.id, customer_id=a.id, channel=Channel.EMAIL, sent_at=now
                ),
            ]
        )
        s.commit()
        result = compare_customers(actors[StaffRole.ANALYST], s, [b.id, a.id])
    bob, alice = result.customers
    assert (bob.name, alice.name) == ("Bob", "Alice")
    assert alice.lifetime_value == Decimal("150.00") and alice.total_orders == 3
    assert alice.average_order_value == Decimal("75.00") and alice.completed_orders == 2
    assert alice.email_open_rate == 0.5 and bob.email_open_rate is None
    assert alice.health_components == {
        "purchase": 90,
        "engagement": 70,
        "support": 100,
        "recency": 95,
    }
    assert bob.health_components is None  # "not scored yet", never an invented value
    ltv = next(m for m in result.metrics if m.label == "Lifetime value")
    assert ltv.values == (25.0, 150.0) and ltv.differs and ltv.best_index == 1
    recency = next(m for m in result.metrics if m.label == "Days since last order")
    assert recency.best_index == 1  # fewer days is better
    assert result.shared_segments == ("Shared",)
    assert result.segment_differences == {"Only A": (False, True)}
    assert result.tag_differences == {"vip": (True, False)}
    assert sum(v for _, v in alice.monthly_spend) == Decimal("150.00")
    assert [v for _, v in bob.monthly_spend] == [Decimal("25.00")]


def test_unknown_customers_and_roles_without_compare_are_refused(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    with session_factory(engine)() as s:
        a = factories.customer(s)
        s.commit()
        with pytest.raises(NotFound, match="999"):
            compare_customers(actors[StaffRole.ANALYST], s, [a.id, 999])
        with pytest.raises(PermissionDenied):
            compare_customers(None, s, [a.id, 999])  # type: ignore[arg-type]
