"""A customer with something in every section of the profile, for profile and page tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.models import utcnow
from c360.scoring import stored
from tests import factories

_seq = itertools.count(1)


@dataclass(frozen=True)
class RichCustomer:
    """Ids and known figures of the seeded customer."""

    customer_id: int
    order_ids: tuple[int, ...]
    lifetime_value_cents: int
    open_ticket_id: int
    author_id: int


def _category(session: Session, name: str) -> m.Category:
    found = session.scalar(select(m.Category).where(m.Category.name == name))
    if found:
        return found
    row = m.Category(name=name)
    session.add(row)
    session.flush()
    return row


def _product(session: Session, category: m.Category, name: str) -> m.Product:
    row = m.Product(
        sku=f"SKU-{next(_seq):06d}", name=name, category_id=category.id, price_cents=2500
    )
    session.add(row)
    session.flush()
    return row


def rich_customer(
    session: Session,
    author: m.StaffUser,
    name: str = "Ada Lovelace",
    now: datetime | None = None,
    scored: bool = True,
) -> RichCustomer:
    """A customer with orders, items, payments, loyalty, marketing, tickets, behaviour, notes."""
    now = now or utcnow()
    n = next(_seq)
    customer = factories.customer(
        session,
        name=name,
        email=f"ada.{n}@example.com",
        phone="+44 20 7946 0958",
        registered_at=now - timedelta(days=700),
        account_manager_id=author.id,
    )
    cid = customer.id
    session.add_all(
        [
            m.Address(
                customer_id=cid,
                label="home",
                line1="12 Analytical Row",
                city="London",
                postal_code="N1 9GU",
                country="GB",
                is_default=True,
            ),
            m.Address(
                customer_id=cid,
                label="work",
                line1="1 Engine Lane",
                city="Leeds",
                postal_code="LS1 4AP",
                country="GB",
                is_default=False,
            ),
        ]
    )
    books, music, garden = (_category(session, c) for c in ("Books", "Music", "Garden"))
    products = [
        _product(session, books, "Notes on the Engine"),
        _product(session, music, "Fugue"),
        _product(session, garden, "Trowel"),
    ]

    statuses = [
        m.OrderStatus.COMPLETED,
        m.OrderStatus.DELIVERED,
        m.OrderStatus.COMPLETED,
        m.OrderStatus.CANCELLED,
        m.OrderStatus.SHIPPED,
        m.OrderStatus.REFUNDED,
        m.OrderStatus.COMPLETED,
        m.OrderStatus.PENDING,
    ]
    order_ids, ltv = [], 0
    for i, status in enumerate(statuses):
        total = 1999 + 1000 * i
        order = m.Order(
            order_number=f"R-{n:04d}-{i:03d}",
            customer_id=cid,
            status=status,
            subtotal_cents=total,
            total_cents=total,
            created_at=now - timedelta(days=20 * (len(statuses) - i), hours=i),
        )
        session.add(order)
        session.flush()
        order_ids.append(order.id)
        if status in m.REVENUE_STATUSES:
            ltv += total
        product = products[i % 3]
        first = total // 2
        session.add_all(
            [
                m.OrderItem(
                    order_id=order.id,
                    customer_id=cid,
                    product_id=product.id,
                    category_id=product.category_id,
                    line_no=1,
                    product_name=product.name,
                    quantity=1,
                    unit_price_cents=first,
                    total_cents=first,
                ),
                m.OrderItem(
                    order_id=order.id,
                    customer_id=cid,
                    product_id=products[0].id,
                    category_id=books.id,
                    line_no=2,
                    product_name=products[0].name,
                    quantity=2,
                    unit_price_cents=(total - first) // 2,
                    total_cents=total - first,
                ),
            ]
        )
        payment_status = {
            m.OrderStatus.CANCELLED: m.PaymentStatus.FAILED,
            m.OrderStatus.REFUNDED: m.PaymentStatus.REFUNDED,
        }.get(status, m.PaymentStatus.SUCCESS)
        session.add(
            m.PaymentTransaction(
                customer_id=cid,
                order_id=order.id,
                amount_cents=total,
                status=payment_status,
                method="Visa 4242",
                created_at=order.created_at,
            )
        )
    session.add_all(
        [
            m.PaymentMethod(
                customer_id=cid,
                type=m.PaymentMethodType.CARD,
                brand="Visa",
                last4="4242",
                exp_month=8,
                exp_year=now.year + 2,
                is_default=True,
            ),
            m.PaymentMethod(
                customer_id=cid, type=m.PaymentMethodType.PAYPAL, brand="PayPal", is_default=False
            ),
        ]
    )

    session.add(
        m.LoyaltyAccount(
            customer_id=cid,
            tier=m.LoyaltyTier.SILVER,
            points_balance=640,
            lifetime_points=740,
            referral_code=f"ADA{n:05d}",
        )
    )
    ledger = [
        (m.PointsKind.EARNED, 100, "Welcome bonus", now + timedelta(days=10)),
        (m.PointsKind.EARNED, 300, "Order R-1", now + timedelta(days=200)),
        (m.PointsKind.REDEEMED, -100, "Voucher", None),
        (m.PointsKind.EARNED, 340, "Order R-2", now + timedelta(days=20)),
    ]
    for i, (kind, points, reason, expires) in enumerate(ledger):
        session.add(
            m.LoyaltyTransaction(
                customer_id=cid,
                kind=kind,
                points=points,
                reason=reason,
                expires_at=expires,
                created_at=now - timedelta(days=90 - 10 * i),
            )
        )
    session.add(
        m.Referral(
            referrer_id=cid, referred_email="friend@example.com", status=m.ReferralStatus.COMPLETED
        )
    )

    session.add_all(
        [
            m.MarketingConsent(customer_id=cid, channel=m.Channel.EMAIL, opted_in=True),
            m.MarketingConsent(customer_id=cid, channel=m.Channel.SMS, opted_in=False),
        ]
    )
    campaign = m.Campaign(name=f"Spring sale {n}", channel=m.Channel.EMAIL, subject="Spring")
    session.add(campaign)
    session.flush()
    for i in range(12):
        sent = now - timedelta(days=5 * (12 - i))
        session.add(
            m.CampaignMessage(
                campaign_id=campaign.id,
                customer_id=cid,
                channel=m.Channel.EMAIL,
                sent_at=sent,
                opened_at=sent + timedelta(hours=2) if i % 2 == 0 else None,
                clicked_at=sent + timedelta(hours=3) if i % 4 == 0 else None,
            )
        )

    tickets = [
        ("Parcel arrived damaged", m.TicketStatus.RESOLVED, m.TicketPriority.HIGH, 48),
        ("Where is my refund?", m.TicketStatus.CLOSED, m.TicketPriority.MEDIUM, 24),
        ("Cannot log in", m.TicketStatus.OPEN, m.TicketPriority.URGENT, None),
    ]
    open_ticket_id = 0
    for i, (subject, status, priority, hours) in enumerate(tickets):
        created = now - timedelta(days=30 - 10 * i)
        ticket = m.SupportTicket(
            customer_id=cid,
            subject=subject,
            description=f"{subject}.",
            status=status,
            priority=priority,
            created_at=created,
            resolved_at=created + timedelta(hours=hours) if hours else None,
            satisfaction_rating=4 if hours else None,
        )
        session.add(ticket)
        session.flush()
        if status == m.TicketStatus.OPEN:
            open_ticket_id = ticket.id

    for i, device in enumerate(
        [m.Device.MOBILE, m.Device.MOBILE, m.Device.DESKTOP, m.Device.TABLET, m.Device.MOBILE]
    ):
        started = (now - timedelta(days=i * 3)).replace(hour=9 + i, minute=0, second=0)
        web = m.WebSession(
            customer_id=cid,
            device=device,
            started_at=started,
            duration_seconds=120 * (i + 1),
            page_views=3 + i,
            bounced=i == 3,
        )
        session.add(web)
        session.flush()
        session.add(
            m.CategoryView(
                customer_id=cid,
                session_id=web.id,
                category_id=(garden if i < 3 else music).id,
                viewed_at=started,
            )
        )
        session.add(
            m.ProductView(
                customer_id=cid,
                session_id=web.id,
                product_id=products[2].id,
                category_id=garden.id,
                viewed_at=started,
            )
        )

    tag = m.Tag(name=f"VIP {n}", color="#b45309", description="Top customer")
    segment = m.Segment(
        name=f"Loyal {n}",
        description="Buys often",
        criteria={"and": [{"field": "order_count", "op": "gte", "value": 3}]},
        is_automatic=True,
    )
    session.add_all([tag, segment])
    session.flush()
    session.add(
        m.CustomerTag(
            customer_id=cid,
            tag_id=tag.id,
            assigned_by_id=author.id,
            assigned_at=now - timedelta(days=15),
        )
    )
    session.add(
        m.CustomerSegment(
            customer_id=cid, segment_id=segment.id, assigned_at=now - timedelta(days=14)
        )
    )
    for visibility, text in [
        (m.NoteVisibility.EVERYONE, "Prefers e-mail."),
        (m.NoteVisibility.MANAGERS, "Disputed a charge once."),
        (m.NoteVisibility.PRIVATE, "Call back Tuesday."),
    ]:
        session.add(
            m.CustomerNote(
                customer_id=cid,
                author_id=author.id,
                content=text,
                visibility=visibility,
                created_at=now - timedelta(days=3),
            )
        )
    session.add(
        m.ActivityLog(
            occurred_at=now - timedelta(days=2),
            actor_id=author.id,
            customer_id=cid,
            action="customer.updated",
            entity_type="customer",
            entity_id=str(cid),
            summary="Changed the phone number",
        )
    )
    if scored:
        session.add(
            m.HealthScore(
                customer_id=cid,
                score=72.5,
                purchase_score=80,
                engagement_score=60,
                support_score=70,
                recency_score=75,
                level=m.HealthLevel.GOOD,
                details=[6.0, 400.0, 20.0, 2.0, 1.0, 3.0, 1.0, 1.0, 0.0, 4.5, 12.0, 0.0],
                calculated_at=now - timedelta(hours=1),
            )
        )
        # The run's weights and the layout of the stored arrays live in its model fit.
        session.add(
            m.ModelFit(
                fitted_at=now - timedelta(hours=1),
                as_of=now,
                customers=1,
                params={
                    "health_weights": {
                        "purchase": 0.3,
                        "engagement": 0.25,
                        "support": 0.2,
                        "recency": 0.25,
                    },
                    "layout": stored.layout(),
                },
                metrics={},
            )
        )
        session.add(
            m.ChurnRisk(
                customer_id=cid,
                level=m.ChurnLevel.LOW,
                score=18.0,
                days_since_last_purchase=20,
                engagement_decline=0.1,
                support_issues=1,
                factors={"factors": ["Buys regularly"]},
                calculated_at=now - timedelta(hours=1),
            )
        )
    session.flush()
    return RichCustomer(
        customer_id=cid,
        order_ids=tuple(order_ids),
        lifetime_value_cents=ltv,
        open_ticket_id=open_ticket_id,
        author_id=author.id,
    )
