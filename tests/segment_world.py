"""A seeded random customer base for search and segment tests, and its plain-Python facts.

The facts are computed from the raw rows (orders, tickets, consents ...), never from the
``customer_stats`` rollup, so the Python reference filters check the SQL independently.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.db import session_factory
from c360.models import utcnow
from c360.stats import refresh_customer_stats
from c360.text import phone_digits, search_key

FIRST = [
    "Zoë",
    "ZOE",
    "Ångström",
    "José",
    "Jose",
    "Anna",
    "Łukasz",
    "Marie-Ève",
    "O'Brien",
    "Ñandú",
]
LAST = [
    "Müller",
    "Muller",
    "Smith",
    "Dubois",
    "Søren",
    "Núñez",
    "100%",
    "under_score",
    "back\\slash",
    "🙂 Emoji",
]
PHONE_FORMATS = ["+1 (555) {a}-{b}", "1555{a}{b}", "+1-555-{a}-{b}", "1.555.{a}.{b}"]


@dataclass
class Facts:
    id: int
    name: str
    search_name: str
    email: str | None
    phone_digits: str | None
    registered_at: datetime
    status: m.CustomerStatus
    order_numbers: set[str] = field(default_factory=set)
    order_count: int = 0
    completed_count: int = 0
    ltv_cents: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    tier: m.LoyaltyTier | None = None
    points: int | None = None
    health_score: float | None = None
    health_level: m.HealthLevel | None = None
    churn_score: float | None = None
    churn_level: m.ChurnLevel | None = None
    tag_ids: set[int] = field(default_factory=set)
    tag_names: set[str] = field(default_factory=set)
    segment_ids: set[int] = field(default_factory=set)
    open_tickets: int = 0
    email_opt_in: bool = False
    sms_opt_in: bool = False


def build_world(engine: Engine, customers: int = 60, seed: int = 42) -> None:
    """Fill ``engine`` with ``customers`` varied customers and everything the filters read."""
    rng = random.Random(seed)
    now = utcnow()
    with session_factory(engine)() as s:
        tags = [m.Tag(name=n) for n in ("vip", "wholesale", 'it\'s "quoted"', "100%_off")]
        s.add_all(tags)
        segments = [
            m.Segment(name=f"Manual {i}", criteria={}, is_automatic=False) for i in range(3)
        ]
        s.add_all(segments)
        s.flush()
        seq = 0
        for i in range(customers):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            phone = None
            if rng.random() < 0.7:
                phone = rng.choice(PHONE_FORMATS).format(
                    a=f"{i:03d}", b=f"{rng.randrange(10**4):04d}"
                )
            c = m.Customer(
                name=name,
                search_name=search_key(name),
                email=f"user{i}@example.com" if rng.random() < 0.9 else None,
                phone=phone,
                phone_digits=phone_digits(phone),
                registered_at=now
                - timedelta(days=rng.randrange(0, 1500), seconds=rng.randrange(86400)),
                status=rng.choice(list(m.CustomerStatus)),
            )
            s.add(c)
            s.flush()
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 7])):
                seq += 1
                s.add(
                    m.Order(
                        order_number=f"SO-{seq:06d}",
                        customer_id=c.id,
                        status=rng.choice(list(m.OrderStatus)),
                        total_cents=rng.choice([0, 999, 2500, 5000, 12345, 100000]),
                        created_at=now
                        - timedelta(days=rng.randrange(0, 800), seconds=rng.randrange(86400)),
                    )
                )
            if rng.random() < 0.7:
                s.add(
                    m.LoyaltyAccount(
                        customer_id=c.id,
                        tier=rng.choice(list(m.LoyaltyTier)),
                        points_balance=rng.randrange(0, 5000),
                        referral_code=f"REF{c.id:06d}",
                    )
                )
            if rng.random() < 0.6:
                score = rng.choice([5.0, 35.5, 50.0, 72.25, 90.0])
                level = (
                    m.HealthLevel.EXCELLENT
                    if score >= 80
                    else m.HealthLevel.GOOD
                    if score >= 60
                    else m.HealthLevel.FAIR
                    if score >= 40
                    else m.HealthLevel.POOR
                )
                s.add(
                    m.HealthScore(
                        customer_id=c.id,
                        score=score,
                        purchase_score=score,
                        engagement_score=50.0,
                        support_score=80.0,
                        recency_score=score,
                        level=level,
                    )
                )
                churn = rng.choice([10.0, 45.0, 80.0])
                s.add(
                    m.ChurnRisk(
                        customer_id=c.id,
                        score=churn,
                        level=m.ChurnLevel.LOW
                        if churn < 40
                        else m.ChurnLevel.MEDIUM
                        if churn < 70
                        else m.ChurnLevel.HIGH,
                    )
                )
            for tag in rng.sample(tags, rng.randrange(0, 3)):
                s.add(m.CustomerTag(customer_id=c.id, tag_id=tag.id))
            for segment in rng.sample(segments, rng.randrange(0, 3)):
                s.add(m.CustomerSegment(customer_id=c.id, segment_id=segment.id))
            for _ in range(rng.randrange(0, 3)):
                s.add(
                    m.SupportTicket(
                        customer_id=c.id, subject="Help", status=rng.choice(list(m.TicketStatus))
                    )
                )
            for channel in (m.Channel.EMAIL, m.Channel.SMS):
                if rng.random() < 0.6:
                    s.add(
                        m.MarketingConsent(
                            customer_id=c.id, channel=channel, opted_in=rng.random() < 0.6
                        )
                    )
        s.flush()
        refresh_customer_stats(s)
        s.commit()


def load_facts(engine: Engine) -> dict[int, Facts]:
    """Every customer's facts, computed in Python from the raw rows."""
    with session_factory(engine)() as s:
        return _facts(s)


def _facts(s: Session) -> dict[int, Facts]:
    facts = {
        c.id: Facts(c.id, c.name, c.search_name, c.email, c.phone_digits, c.registered_at, c.status)
        for c in s.scalars(select(m.Customer))
    }
    for o in s.scalars(select(m.Order)):
        f = facts[o.customer_id]
        f.order_numbers.add(o.order_number)
        f.order_count += 1
        if o.status in m.REVENUE_STATUSES:
            f.completed_count += 1
            f.ltv_cents += o.total_cents
        f.first_order_at = min(filter(None, [f.first_order_at, o.created_at]))
        f.last_order_at = max(filter(None, [f.last_order_at, o.created_at]))
    for a in s.scalars(select(m.LoyaltyAccount)):
        facts[a.customer_id].tier = a.tier
        facts[a.customer_id].points = a.points_balance
    for h in s.scalars(select(m.HealthScore)):
        facts[h.customer_id].health_score = h.score
        facts[h.customer_id].health_level = h.level
    for r in s.scalars(select(m.ChurnRisk)):
        facts[r.customer_id].churn_score = r.score
        facts[r.customer_id].churn_level = r.level
    tag_names = {t.id: t.name for t in s.scalars(select(m.Tag))}
    for ct in s.scalars(select(m.CustomerTag)):
        facts[ct.customer_id].tag_ids.add(ct.tag_id)
        facts[ct.customer_id].tag_names.add(tag_names[ct.tag_id])
    for cs in s.scalars(select(m.CustomerSegment)):
        facts[cs.customer_id].segment_ids.add(cs.segment_id)
    for t in s.scalars(select(m.SupportTicket)):
        if t.status in m.OPEN_TICKET_STATUSES:
            facts[t.customer_id].open_tickets += 1
    for consent in s.scalars(select(m.MarketingConsent)):
        if consent.opted_in:
            setattr(facts[consent.customer_id], f"{consent.channel.value}_opt_in", True)
    return facts


# --------------------------------------------------------------------------- Python references


def reference_search(facts: dict[int, Facts], params) -> set[int]:  # type: ignore[no-untyped-def]
    """The ids a CustomerSearchParams should find, by plain Python over the facts."""
    query = params.query.replace("\x00", "").strip()
    numbers = {query, query.upper()} if query and not any(c.isspace() for c in query) else set()
    order_hit = any(numbers & f.order_numbers for f in facts.values())
    return {f.id for f in facts.values() if _search_matches(f, params, order_hit)}


def _in_days(ts: datetime | None, low, high) -> bool:  # type: ignore[no-untyped-def]
    if low is None and high is None:
        return True
    if ts is None:
        return False
    day = ts.date()
    return (low is None or day >= low) and (high is None or day <= high)


def _text_matches(f: Facts, query: str, order_hit: bool) -> bool:
    query = query.replace("\x00", "").strip()
    if not query:
        return True
    if order_hit:  # an exact order number finds the customers who placed it, and only them
        return bool({query, query.upper()} & f.order_numbers)
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", query):
        return f.email == query.lower()  # a whole e-mail address is matched as one
    tokens = search_key(query).split()
    if tokens and all(t in f.search_name for t in tokens):
        return True
    if "@" in query and f.email == query.strip().lower():
        return True
    digits = phone_digits(query)
    phone_like = all(ch.isdecimal() or ch.isspace() or ch in "()+-./" for ch in query)
    if digits and len(digits) >= 4 and phone_like and f.phone_digits == digits:
        return True
    return not any(ch.isspace() for ch in query) and bool({query, query.upper()} & f.order_numbers)


def _search_matches(f: Facts, p, order_hit: bool) -> bool:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    ltv = Decimal(f.ltv_cents) / 100
    return (
        _text_matches(f, p.query, order_hit)
        and (not p.segment_ids or bool(f.segment_ids & set(p.segment_ids)))
        and (not p.tag_ids or bool(f.tag_ids & set(p.tag_ids)))
        and (not p.tiers or f.tier in p.tiers)
        and (not p.health_levels or f.health_level in p.health_levels)
        and (not p.churn_levels or f.churn_level in p.churn_levels)
        and _in_days(f.registered_at, p.registered_from, p.registered_to)
        and _in_days(f.last_order_at, p.last_purchase_from, p.last_purchase_to)
        and (p.ltv_min is None or ltv >= p.ltv_min)
        and (p.ltv_max is None or ltv <= p.ltv_max)
        and (p.orders_min is None or f.order_count >= p.orders_min)
        and (p.orders_max is None or f.order_count <= p.orders_max)
    )


def reference_members(facts: dict[int, Facts], criteria: dict, as_of: datetime) -> set[int]:
    """The ids matching a criteria dict, evaluated in plain Python (raw JSON, not the parser)."""
    return {f.id for f in facts.values() if _group(f, criteria, as_of)}


def _group(f: Facts, group: dict, as_of: datetime) -> bool:
    if not group:
        return True
    ((combinator, items),) = group.items()
    results = (_item(f, item, as_of) for item in items)
    return all(results) if combinator == "and" else any(results)


def _item(f: Facts, item: dict, as_of: datetime) -> bool:
    if "field" not in item:
        return _group(f, item, as_of)
    from fractions import Fraction

    name, op, value = item["field"], item["op"], item["value"]
    days = lambda ts: None if ts is None else (as_of - ts) // timedelta(days=1)  # noqa: E731
    money = lambda v: Fraction(str(v)) * 100  # noqa: E731
    if name == "tag":
        names = set(value) if op == "in" else {value}
        has = bool(f.tag_names & names)
        return not has if op == "ne" else has
    if name in ("email_opt_in", "sms_opt_in"):
        actual = getattr(f, name)
        return actual == value if op == "eq" else actual != value
    actual, convert = {
        "lifetime_value": (f.ltv_cents, money),
        "avg_order_value": (
            Fraction(f.ltv_cents, f.completed_count) if f.completed_count else None,
            money,
        ),
        "order_count": (f.order_count, int),
        "completed_order_count": (f.completed_count, int),
        "days_since_last_order": (days(f.last_order_at), int),
        "days_since_first_order": (days(f.first_order_at), int),
        "registered_days_ago": (days(f.registered_at), int),
        "status": (f.status and f.status.value, lambda v: str(v).lower()),
        "loyalty_tier": (f.tier and f.tier.value, lambda v: str(v).upper()),
        "loyalty_points": (f.points, int),
        "health_score": (f.health_score, float),
        "health_level": (f.health_level and f.health_level.value, lambda v: str(v).lower()),
        "churn_score": (f.churn_score, float),
        "churn_level": (f.churn_level and f.churn_level.value, lambda v: str(v).upper()),
        "open_tickets": (f.open_tickets, int),
    }[name]
    if actual is None:
        return False
    if op == "between":
        return convert(value[0]) <= actual <= convert(value[1])
    if op == "in":
        return actual in {convert(v) for v in value}
    target = convert(value)
    return {
        "eq": actual == target,
        "ne": actual != target,
        "lt": actual < target,
        "lte": actual <= target,
        "gt": actual > target,
        "gte": actual >= target,
    }[op]
