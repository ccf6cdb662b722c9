"""Compare 2–3 customers side by side (R16): metrics, health components, spend, overlaps.

Metrics come from live aggregates over the customers' own rows (not the search rollup), so
they agree with the profile page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from c360.db import is_postgres
from c360.errors import NotFound, ValidationError
from c360.models import (
    REVENUE_STATUSES,
    CampaignMessage,
    ChurnLevel,
    ChurnRisk,
    Customer,
    CustomerSegment,
    CustomerTag,
    HealthLevel,
    HealthScore,
    Order,
    Segment,
    Tag,
    WebSession,
    utcnow,
)
from c360.permissions import Actor, Permission, requires

MIN_CUSTOMERS = 2
MAX_CUSTOMERS = 3
SPEND_MONTHS = 24
HEALTH_COMPONENTS = ("purchase", "engagement", "support", "recency")


@dataclass(frozen=True)
class ComparedCustomer:
    id: int
    name: str
    lifetime_value: Decimal
    total_orders: int
    completed_orders: int
    average_order_value: Decimal | None
    last_order_at: datetime | None
    days_since_last_order: int | None
    email_open_rate: float | None
    sessions_90d: int
    health_score: float | None
    health_level: HealthLevel | None
    # purchase/engagement/support/recency -> 0–100; None until the customer is scored.
    health_components: dict[str, float] | None
    churn_score: float | None
    churn_level: ChurnLevel | None
    segments: tuple[str, ...]
    tags: tuple[str, ...]
    # ("YYYY-MM", revenue) for the last SPEND_MONTHS months with completed orders.
    monthly_spend: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class MetricRow:
    label: str
    values: tuple[float | None, ...]
    # Whether a higher value is better (True), worse (False) or neither (None).
    higher_is_better: bool | None
    unit: str = ""

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1

    @property
    def best_index(self) -> int | None:
        """Index of the best value when they differ and "better" has a direction."""
        known = [(v, i) for i, v in enumerate(self.values) if v is not None]
        if not self.differs or self.higher_is_better is None or not known:
            return None
        pick = max if self.higher_is_better else min
        return pick(known)[1]


@dataclass(frozen=True)
class Comparison:
    customers: tuple[ComparedCustomer, ...]
    metrics: tuple[MetricRow, ...]
    shared_segments: tuple[str, ...]
    shared_tags: tuple[str, ...]
    # Name -> which customers (by position) have it, for segments/tags not shared by all.
    segment_differences: dict[str, tuple[bool, ...]]
    tag_differences: dict[str, tuple[bool, ...]]


def parse_ids(raw: str | Iterable[str | int] | None) -> tuple[int, ...]:
    """Customer ids from ``"1,2,3"`` (or a list); refuse anything but 2–3 distinct ids."""
    if raw is None:
        parts: list[str] = []
    elif isinstance(raw, str):
        parts = [p for p in raw.replace(" ", "").split(",") if p]
    else:
        parts = [str(p).strip() for p in raw]
    try:
        ids = tuple(dict.fromkeys(int(p) for p in parts))
    except ValueError:
        raise ValidationError("Customer ids in the compare link must be whole numbers.") from None
    if len(ids) > MAX_CUSTOMERS:
        raise ValidationError(
            f"You can compare at most {MAX_CUSTOMERS} customers at a time "
            f"({len(ids)} were selected)."
        )
    if len(ids) < MIN_CUSTOMERS:
        raise ValidationError(
            f"Select {MIN_CUSTOMERS} or {MAX_CUSTOMERS} different customers to compare."
        )
    return ids


def _month(session: Session, column):  # type: ignore[no-untyped-def]
    if is_postgres(session.get_bind()):
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


@requires(Permission.COMPARE)
def compare_customers(actor: Actor, session: Session, ids: Iterable[int]) -> Comparison:
    """The side-by-side comparison of 2–3 customers (in the order given)."""
    ids = parse_ids(list(ids))
    now = utcnow()
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    missing = [i for i in ids if i not in customers]
    if missing:
        raise NotFound(f"No customer with id {', '.join(map(str, missing))}.")
    completed = Order.status.in_(REVENUE_STATUSES)
    orders = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                Order.customer_id,
                func.count(),
                func.sum(case((completed, 1), else_=0)),
                func.coalesce(func.sum(case((completed, Order.total_cents), else_=0)), 0),
                func.max(Order.created_at),
            )
            .where(Order.customer_id.in_(ids))
            .group_by(Order.customer_id)
        )
    }
    messages = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                CampaignMessage.customer_id,
                func.count(),
                func.count(CampaignMessage.opened_at),
            )
            .where(CampaignMessage.customer_id.in_(ids))
            .group_by(CampaignMessage.customer_id)
        )
    }
    sessions = dict(
        session.execute(
            select(WebSession.customer_id, func.count())
            .where(
                WebSession.customer_id.in_(ids),
                WebSession.started_at >= now - timedelta(days=90),
            )
            .group_by(WebSession.customer_id)
        ).all()
    )
    health = {
        h.customer_id: h
        for h in session.scalars(select(HealthScore).where(HealthScore.customer_id.in_(ids)))
    }
    churn = {
        r.customer_id: r
        for r in session.scalars(select(ChurnRisk).where(ChurnRisk.customer_id.in_(ids)))
    }
    segments = _names(
        session,
        select(CustomerSegment.customer_id, Segment.name)
        .join(Segment, Segment.id == CustomerSegment.segment_id)
        .where(CustomerSegment.customer_id.in_(ids)),
    )
    tags = _names(
        session,
        select(CustomerTag.customer_id, Tag.name)
        .join(Tag, Tag.id == CustomerTag.tag_id)
        .where(CustomerTag.customer_id.in_(ids)),
    )
    month = _month(session, Order.created_at)
    since = (now.replace(day=1) - timedelta(days=31 * (SPEND_MONTHS - 1))).replace(day=1)
    spend: dict[int, list[tuple[str, Decimal]]] = {i: [] for i in ids}
    for customer_id, label, cents in session.execute(
        select(Order.customer_id, month, func.sum(Order.total_cents))
        .where(Order.customer_id.in_(ids), completed, Order.created_at >= since)
        .group_by(Order.customer_id, month)
        .order_by(month)
    ):
        spend[customer_id].append((label, Decimal(int(cents)) / 100))

    compared = []
    for i in ids:
        count, done, ltv_cents, last = orders.get(i, (0, 0, 0, None))
        sent, opened = messages.get(i, (0, 0))
        h, r = health.get(i), churn.get(i)
        ltv = Decimal(int(ltv_cents)) / 100
        compared.append(
            ComparedCustomer(
                id=i,
                name=customers[i].name,
                lifetime_value=ltv,
                total_orders=int(count),
                completed_orders=int(done),
                average_order_value=(ltv / int(done)).quantize(Decimal("0.01")) if done else None,
                last_order_at=last,
                days_since_last_order=(now - last).days if last else None,
                email_open_rate=opened / sent if sent else None,
                sessions_90d=int(sessions.get(i, 0)),
                health_score=h.score if h else None,
                health_level=h.level if h else None,
                health_components=(
                    {
                        "purchase": h.purchase_score,
                        "engagement": h.engagement_score,
                        "support": h.support_score,
                        "recency": h.recency_score,
                    }
                    if h
                    else None
                ),
                churn_score=r.score if r else None,
                churn_level=r.level if r else None,
                segments=tuple(sorted(segments.get(i, ()))),
                tags=tuple(sorted(tags.get(i, ()))),
                monthly_spend=tuple(spend[i]),
            )
        )
    return _comparison(tuple(compared))


def _names(session: Session, query) -> dict[int, set[str]]:  # type: ignore[no-untyped-def]
    found: dict[int, set[str]] = {}
    for customer_id, name in session.execute(query):
        found.setdefault(customer_id, set()).add(name)
    return found


def _as_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _comparison(customers: tuple[ComparedCustomer, ...]) -> Comparison:
    def row(label: str, attr: str, better: bool | None, unit: str = "") -> MetricRow:
        return MetricRow(label, tuple(_as_float(getattr(c, attr)) for c in customers), better, unit)

    metrics = (
        row("Lifetime value", "lifetime_value", True, "$"),
        row("Orders", "total_orders", True),
        row("Completed orders", "completed_orders", True),
        row("Average order value", "average_order_value", True, "$"),
        row("Days since last order", "days_since_last_order", False),
        row("E-mail open rate", "email_open_rate", True, "%"),
        row("Sessions (90 days)", "sessions_90d", True),
        row("Health score", "health_score", True),
        row("Churn risk score", "churn_score", False),
    )
    segment_sets = [set(c.segments) for c in customers]
    tag_sets = [set(c.tags) for c in customers]
    return Comparison(
        customers=customers,
        metrics=metrics,
        shared_segments=tuple(sorted(set.intersection(*segment_sets))),
        shared_tags=tuple(sorted(set.intersection(*tag_sets))),
        segment_differences=_differences(segment_sets),
        tag_differences=_differences(tag_sets),
    )


def _differences(sets: list[set[str]]) -> dict[str, tuple[bool, ...]]:
    shared = set.intersection(*sets)
    return {name: tuple(name in s for s in sets) for name in sorted(set.union(*sets) - shared)}
