"""Schema rules that hold on both databases: uniqueness, one-per-customer rows, cascades."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from c360 import models as m
from c360.db import session_factory
from c360.models import Base, utcnow
from tests import factories


def _customer_with_a_row_everywhere(session: Session) -> tuple[int, int]:
    """A customer with rows in every per-customer table; returns (customer id, other id)."""
    staff = factories.staff(session, m.StaffRole.ACCOUNT_MANAGER)
    other = factories.customer(session, "Other Customer")
    c = factories.customer(session, "Zoë Ångström", phone="+1 (555) 010-2030")
    order = factories.order(session, c, items=2)
    now = utcnow()
    category = m.Category(name="Books")
    session.add(category)
    session.flush()
    product = m.Product(sku="B-1", name="A book", price_cents=1200, category_id=category.id)
    session.add(product)
    session.flush()
    method = m.PaymentMethod(customer_id=c.id, type=m.PaymentMethodType.CARD, last4="4242")
    campaign = m.Campaign(name="Spring", channel=m.Channel.EMAIL)
    tag = m.Tag(name="vip")
    segment = m.Segment(name="Champions", criteria={})
    web = m.WebSession(
        customer_id=c.id,
        device=m.Device.MOBILE,
        started_at=now,
        duration_seconds=60,
        page_views=3,
        bounced=False,
    )
    session.add_all([method, campaign, tag, segment, web])
    session.flush()
    session.add_all(
        [
            m.Address(
                customer_id=c.id,
                line1="1 Main St",
                city="Springfield",
                postal_code="1",
                country="US",
                is_default=True,
            ),
            m.PaymentTransaction(
                customer_id=c.id,
                order_id=order.id,
                payment_method_id=method.id,
                amount_cents=5000,
                status=m.PaymentStatus.SUCCESS,
                method="card",
            ),
            m.Refund(
                customer_id=c.id,
                order_id=order.id,
                kind=m.RefundKind.RETURN,
                status=m.RefundStatus.REQUESTED,
                amount_cents=100,
            ),
            m.LoyaltyAccount(customer_id=c.id, referral_code="ZOE-1", points_balance=10),
            m.LoyaltyTransaction(customer_id=c.id, kind=m.PointsKind.EARNED, points=10),
            m.Referral(
                referrer_id=c.id,
                referred_customer_id=other.id,
                referred_email="o@example.com",
                status=m.ReferralStatus.COMPLETED,
            ),
            m.MarketingConsent(customer_id=c.id, channel=m.Channel.EMAIL, opted_in=True),
            m.CampaignMessage(
                campaign_id=campaign.id, customer_id=c.id, channel=m.Channel.EMAIL, sent_at=now
            ),
            m.SupportTicket(customer_id=c.id, subject="Where is my order?"),
            m.ProductView(
                customer_id=c.id, session_id=web.id, product_id=product.id, viewed_at=now
            ),
            m.CategoryView(
                customer_id=c.id, session_id=web.id, category_id=category.id, viewed_at=now
            ),
            m.CustomerNote(customer_id=c.id, author_id=staff.id, content="Prefers e-mail"),
            m.CustomerTag(customer_id=c.id, tag_id=tag.id, assigned_by_id=staff.id),
            m.CustomerSegment(customer_id=c.id, segment_id=segment.id),
            m.HealthScore(
                customer_id=c.id,
                score=50,
                purchase_score=50,
                engagement_score=50,
                support_score=50,
                recency_score=50,
                level=m.HealthLevel.FAIR,
            ),
            m.ChurnRisk(customer_id=c.id, level=m.ChurnLevel.LOW, score=10),
            m.ScoreHistory(
                customer_id=c.id,
                calculated_at=now,
                health_score=50,
                purchase_score=50,
                engagement_score=50,
                support_score=50,
                recency_score=50,
                health_level=m.HealthLevel.FAIR,
                churn_score=10,
                churn_level=m.ChurnLevel.LOW,
            ),
            m.Prediction(
                customer_id=c.id,
                calculated_at=now,
                prob_alive=0.5,
                prob_no_purchase_90d=0.4,
                expected_purchases_90d=1.0,
                predicted_value_12m_cents=1000,
                expected_next_order_at=now + timedelta(days=30),
                typical_gap_days=30,
                frequency=1,
                recency_days=10,
                age_days=100,
                avg_order_value_cents=5000,
            ),
            m.ActivityLog(
                customer_id=c.id,
                actor_id=staff.id,
                action="note.add",
                entity_type="note",
                summary="added a note",
            ),
            m.Notification(
                staff_user_id=staff.id, customer_id=c.id, kind="churn", message="Level changed"
            ),
            m.EmailOutbox(
                customer_id=c.id, to_address="zoe@example.com", subject="Hi", body="Hello"
            ),
        ]
    )
    session.flush()
    from c360.stats import refresh_customer_stats

    refresh_customer_stats(session, [c.id])
    session.commit()
    return c.id, other.id


def _rows_referencing(session: Session, customer_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "customers":
                n = session.scalar(
                    select(func.count()).select_from(table).where(fk.parent == customer_id)
                )
                counts[f"{table.name}.{fk.parent.name}"] = n or 0
    return counts


def test_deleting_a_customer_leaves_no_row_pointing_at_it_anywhere(engine: Engine) -> None:
    with session_factory(engine)() as s:
        customer_id, other_id = _customer_with_a_row_everywhere(s)
        before = _rows_referencing(s, customer_id)
        # Every per-customer table really had a row, so the check below means something.
        assert [name for name, n in before.items() if n == 0] == ["referrals.referred_customer_id"]
        s.execute(delete(m.Customer).where(m.Customer.id == customer_id))
        s.commit()
        assert {k: v for k, v in _rows_referencing(s, customer_id).items() if v} == {}
        # The audit trail outlives the customer, detached from it.
        assert s.scalar(select(func.count()).select_from(m.ActivityLog)) == 1
        assert s.get(m.Customer, other_id) is not None


@pytest.mark.parametrize(
    "make_duplicate",
    [
        pytest.param(lambda c, t, s: m.CustomerTag(customer_id=c, tag_id=t), id="tag assignment"),
        pytest.param(
            lambda c, t, s: m.CustomerSegment(customer_id=c, segment_id=s), id="segment assignment"
        ),
        pytest.param(
            lambda c, t, s: m.HealthScore(
                customer_id=c,
                score=1,
                purchase_score=1,
                engagement_score=1,
                support_score=1,
                recency_score=1,
                level=m.HealthLevel.POOR,
            ),
            id="health score",
        ),
        pytest.param(
            lambda c, t, s: m.ChurnRisk(customer_id=c, level=m.ChurnLevel.HIGH, score=90),
            id="churn risk",
        ),
    ],
)
def test_one_row_per_customer_rules_are_enforced_by_the_database(
    engine: Engine, make_duplicate
) -> None:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as s:
        customer_id, _ = _customer_with_a_row_everywhere(s)
        tag_id = s.scalar(select(m.Tag.id))
        segment_id = s.scalar(select(m.Segment.id))
        s.add(make_duplicate(customer_id, tag_id, segment_id))
        with pytest.raises(IntegrityError):
            s.commit()


def test_tag_and_segment_names_are_unique(engine: Engine) -> None:
    with session_factory(engine)() as s:
        s.add_all([m.Tag(name="vip"), m.Tag(name="vip")])
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
        s.add_all([m.Segment(name="A", criteria={}), m.Segment(name="A", criteria={})])
        with pytest.raises(IntegrityError):
            s.commit()


def test_a_customer_has_at_most_one_default_address(engine: Engine) -> None:
    with session_factory(engine)() as s:
        c = factories.customer(s)
        for line in ("1 A St", "2 B St"):
            s.add(
                m.Address(
                    customer_id=c.id,
                    line1=line,
                    city="X",
                    postal_code="1",
                    country="US",
                    is_default=True,
                )
            )
        with pytest.raises(IntegrityError):
            s.commit()


def test_a_loyalty_balance_can_never_be_stored_negative(engine: Engine) -> None:
    with session_factory(engine)() as s:
        c = factories.customer(s)
        s.add(m.LoyaltyAccount(customer_id=c.id, referral_code="X1", points_balance=-1))
        with pytest.raises(IntegrityError):
            s.commit()


def test_customer_stats_rollup_counts_only_delivered_and_completed_orders_as_value(
    engine: Engine,
) -> None:
    from c360.stats import refresh_customer_stats

    with session_factory(engine)() as s:
        c = factories.customer(s)
        factories.order(s, c, 1000, m.OrderStatus.COMPLETED)
        factories.order(s, c, 2000, m.OrderStatus.DELIVERED)
        factories.order(s, c, 4000, m.OrderStatus.CANCELLED)
        factories.order(s, c, 8000, m.OrderStatus.PENDING)
        refresh_customer_stats(s)
        s.commit()
        stats = s.get(m.CustomerStats, c.id)
        assert stats is not None
        assert (stats.order_count, stats.completed_order_count, stats.lifetime_value_cents) == (
            4,
            2,
            3000,
        )
