"""Customer search (R15): one box for name, e-mail, phone and order number, plus filters.

Every filter is a bound-parameter SQL condition; counting, sorting and paging run in SQL.
On PostgreSQL the name search is served by the trigram index on ``customers.search_name``;
e-mail, phone digits and order number are btree lookups. Searchable text is normalised the
same way it was stored (``c360.text``), so accents, case and phone formatting do not matter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from c360.errors import ValidationError
from c360.models import (
    ChurnLevel,
    ChurnRisk,
    Customer,
    CustomerSegment,
    CustomerStats,
    CustomerStatus,
    CustomerTag,
    HealthLevel,
    HealthScore,
    LoyaltyAccount,
    LoyaltyTier,
    Order,
    Segment,
    Tag,
)
from c360.money import money
from c360.permissions import Actor, Field, Permission, mask_email, mask_phone, requires
from c360.segments.criteria import customer_source
from c360.text import like_pattern, normalise_email, phone_digits, search_key
from c360.views import CustomerSearchParams

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 100
PAGE_SIZES = (10, 25, 50, 100)
_PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")
MIN_PHONE_DIGITS = 4
_EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class CustomerSearchRow:
    id: int
    name: str
    email: str | None
    phone: str | None
    registered_at: datetime
    status: CustomerStatus
    loyalty_tier: LoyaltyTier | None
    lifetime_value: Decimal
    order_count: int
    last_order_at: datetime | None
    health_score: float | None
    health_level: HealthLevel | None
    churn_score: float | None
    churn_level: ChurnLevel | None


@dataclass(frozen=True)
class SearchResult:
    rows: tuple[CustomerSearchRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def _ltv() -> Any:
    return func.coalesce(CustomerStats.lifetime_value_cents, 0)


def _order_count() -> Any:
    return func.coalesce(CustomerStats.order_count, 0)


SORT_LABELS: dict[str, str] = {
    "name": "Name",
    "registered_at": "Registered",
    "lifetime_value": "Lifetime value",
    "order_count": "Orders",
    "last_order_at": "Last order",
    "health_score": "Health",
    "churn_score": "Churn risk",
}


def _sort_column(sort: str) -> Any:
    return {
        "name": Customer.search_name,
        "registered_at": Customer.registered_at,
        "lifetime_value": _ltv(),
        "order_count": _order_count(),
        "last_order_at": CustomerStats.last_order_at,
        "health_score": HealthScore.score,
        "churn_score": ChurnRisk.score,
    }[sort]


def validate_params(params: CustomerSearchParams) -> CustomerSearchParams:
    """Refuse contradictory or out-of-range parameters with a clear message."""
    if len(params.query) > MAX_QUERY_LENGTH:
        raise ValidationError(f"The search text is at most {MAX_QUERY_LENGTH} characters.")
    if params.sort not in SORT_LABELS:
        raise ValidationError(f"Cannot sort by {params.sort!r}.")
    if params.page < 1 or not 1 <= params.page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"Pages start at 1 and hold 1–{MAX_PAGE_SIZE} rows.")
    for label, low, high in (
        ("Registration date", params.registered_from, params.registered_to),
        ("Last purchase date", params.last_purchase_from, params.last_purchase_to),
        ("Lifetime value", params.ltv_min, params.ltv_max),
        ("Order count", params.orders_min, params.orders_max),
    ):
        if low is not None and high is not None and low > high:
            raise ValidationError(f"{label}: the 'from' value is after the 'to' value.")
    return params


def _clean_query(query: str) -> str:
    # NUL cannot be stored in PostgreSQL text, so no customer can contain it.
    return query.replace("\x00", "").strip()


def order_number_customers(session: Session, query: str) -> list[int]:
    """Ids of the customers whose order number is ``query`` (any letter case), if it can be one."""
    query = _clean_query(query)
    if not query or any(ch.isspace() for ch in query) or len(query) > 40:
        return []
    numbers = sorted({query, query.upper()})
    return list(
        session.scalars(select(Order.customer_id).where(Order.order_number.in_(numbers)).distinct())
    )


def text_match(query: str, order_customer_ids: list[int]) -> ColumnElement[bool] | None:
    """The search-box condition: name tokens, exact e-mail, phone digits or an order's customer.

    One OR over indexed columns of ``customers`` (the order number is resolved to customer ids
    first), so PostgreSQL combines the trigram and btree indexes in one bitmap scan. An exact
    order number or a whole e-mail address is one btree lookup: its pieces are not also
    matched against names (the trigram scan for "example" or "com" costs more than the rest).
    """
    query = _clean_query(query)
    if not query:
        return None
    if order_customer_ids:
        return Customer.id.in_(order_customer_ids)
    if _EMAIL_ADDRESS.fullmatch(query):
        return Customer.email == normalise_email(query)
    arms: list[ColumnElement[bool]] = []
    tokens = search_key(query).split()
    if tokens:
        arms.append(
            and_(*[Customer.search_name.like(like_pattern(t), escape="\\") for t in tokens])
        )
    if "@" in query:
        arms.append(Customer.email == normalise_email(query))
    digits = phone_digits(query)
    if digits and len(digits) >= MIN_PHONE_DIGITS and _PHONE_LIKE.fullmatch(query):
        arms.append(Customer.phone_digits == digits)
    return or_(false(), *arms)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def search_conditions(
    params: CustomerSearchParams, order_customer_ids: list[int] | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE conditions (over ``customer_source()``) of ``params``."""
    conditions: list[ColumnElement[bool]] = []
    matched = text_match(params.query, order_customer_ids or [])
    if matched is not None:
        conditions.append(matched)
    if params.segment_ids:
        conditions.append(
            Customer.id.in_(
                select(CustomerSegment.customer_id).where(
                    CustomerSegment.segment_id.in_(params.segment_ids)
                )
            )
        )
    if params.tag_ids:
        conditions.append(
            Customer.id.in_(
                select(CustomerTag.customer_id).where(CustomerTag.tag_id.in_(params.tag_ids))
            )
        )
    if params.tiers:
        conditions.append(LoyaltyAccount.tier.in_(params.tiers))
    if params.health_levels:
        conditions.append(HealthScore.level.in_(params.health_levels))
    if params.churn_levels:
        conditions.append(ChurnRisk.level.in_(params.churn_levels))
    if params.registered_from:
        conditions.append(Customer.registered_at >= _day_start(params.registered_from))
    if params.registered_to:
        conditions.append(Customer.registered_at < _day_start(params.registered_to) + _DAY)
    if params.last_purchase_from:
        conditions.append(CustomerStats.last_order_at >= _day_start(params.last_purchase_from))
    if params.last_purchase_to:
        conditions.append(CustomerStats.last_order_at < _day_start(params.last_purchase_to) + _DAY)
    if params.ltv_min is not None:
        conditions.append(_ltv() >= math.ceil(params.ltv_min * 100))
    if params.ltv_max is not None:
        conditions.append(_ltv() <= math.floor(params.ltv_max * 100))
    if params.orders_min is not None:
        conditions.append(_order_count() >= params.orders_min)
    if params.orders_max is not None:
        conditions.append(_order_count() <= params.orders_max)
    return conditions


_DAY = timedelta(days=1)


def _count_source(params: CustomerSearchParams):  # type: ignore[no-untyped-def]
    # Only the joins the filters read: planning a five-table join costs milliseconds even
    # when PostgreSQL then removes the unused ones.
    source = Customer.__table__
    if any(
        v is not None
        for v in (
            params.ltv_min,
            params.ltv_max,
            params.orders_min,
            params.orders_max,
            params.last_purchase_from,
            params.last_purchase_to,
        )
    ):
        source = source.outerjoin(CustomerStats, CustomerStats.customer_id == Customer.id)
    if params.health_levels:
        source = source.outerjoin(HealthScore, HealthScore.customer_id == Customer.id)
    if params.churn_levels:
        source = source.outerjoin(ChurnRisk, ChurnRisk.customer_id == Customer.id)
    if params.tiers:
        source = source.outerjoin(LoyaltyAccount, LoyaltyAccount.customer_id == Customer.id)
    return source


@requires(Permission.VIEW_CUSTOMERS)
def search_customers(actor: Actor, session: Session, params: CustomerSearchParams) -> SearchResult:
    """One page of the customers matching ``params``, with the exact total count."""
    params = validate_params(params)
    conditions = search_conditions(params, order_number_customers(session, params.query))
    rows, total = _page(session, params, conditions, params.page)
    page = params.page
    if total is None:  # no row on this page: count, then show the last page instead
        total = (
            session.scalar(
                select(func.count()).select_from(_count_source(params)).where(*conditions)
            )
            or 0
        )
        page = min(params.page, max(1, math.ceil(total / params.page_size)))
        rows = _page(session, params, conditions, page)[0] if page != params.page else []
    show_email, show_phone = actor.sees(Field.EMAIL), actor.sees(Field.PHONE)
    shown = tuple(
        CustomerSearchRow(
            id=r[0],
            name=r[1],
            email=r[2] if show_email else mask_email(r[2]),
            phone=r[3] if show_phone else mask_phone(r[3]),
            registered_at=r[4],
            status=r[5],
            loyalty_tier=r[6],
            lifetime_value=money(r[7]),
            order_count=int(r[8]),
            last_order_at=r[9],
            health_score=r[10],
            health_level=r[11],
            churn_score=r[12],
            churn_level=r[13],
        )
        for r in rows
    )
    return SearchResult(shown, total, page, params.page_size)


def _page(
    session: Session,
    params: CustomerSearchParams,
    conditions: list[ColumnElement[bool]],
    page: int,
) -> tuple[list[Any], int | None]:
    """The rows of ``page`` and the total count from one statement (None when it is empty).

    The count rides along as a window over the matches, so the matching rows are found once
    for both (for a common name fragment that is most of the search's time).
    """
    column = _sort_column(params.sort)
    ordered = column.desc() if params.descending else column.asc()
    tiebreak = Customer.id.desc() if params.descending else Customer.id.asc()
    # The page's ids first, over only the tables the filters and the sort need (PostgreSQL
    # drops the unused outer joins), then the shown columns for those rows alone: the joins
    # run for one page instead of for every match (3-5x faster for a common name fragment).
    page_ids = (
        select(Customer.id, func.count().over().label("total"))
        .select_from(customer_source())
        .where(*conditions)
        .order_by(column.is_(None), ordered, tiebreak)
        .limit(params.page_size)
        .offset((page - 1) * params.page_size)
        .subquery("page_ids")
    )
    query = (
        select(
            Customer.id,
            Customer.name,
            Customer.email,
            Customer.phone,
            Customer.registered_at,
            Customer.status,
            LoyaltyAccount.tier,
            _ltv(),
            _order_count(),
            CustomerStats.last_order_at,
            HealthScore.score,
            HealthScore.level,
            ChurnRisk.score,
            ChurnRisk.level,
            page_ids.c.total,
        )
        .select_from(customer_source().join(page_ids, page_ids.c.id == Customer.id))
        # Empty values (never scored, no orders) sort last in both directions.
        .order_by(column.is_(None), ordered, tiebreak)
    )
    rows = list(session.execute(query))
    return rows, (int(rows[0][-1]) if rows else None)


# --------------------------------------------------------------------------- URL round trip

_LIST_KEYS = {
    "segment": ("segment_ids", int),
    "tag": ("tag_ids", int),
    "tier": ("tiers", LoyaltyTier),
    "health": ("health_levels", HealthLevel),
    "churn": ("churn_levels", ChurnLevel),
}
_SCALAR_KEYS = {
    "reg_from": ("registered_from", date.fromisoformat),
    "reg_to": ("registered_to", date.fromisoformat),
    "last_from": ("last_purchase_from", date.fromisoformat),
    "last_to": ("last_purchase_to", date.fromisoformat),
    "ltv_min": ("ltv_min", Decimal),
    "ltv_max": ("ltv_max", Decimal),
    "orders_min": ("orders_min", int),
    "orders_max": ("orders_max", int),
    "page": ("page", int),
    "size": ("page_size", int),
}


def _choice(kind: Any, raw: str) -> Any:
    if isinstance(kind, type) and issubclass(kind, LoyaltyTier | ChurnLevel):
        return kind(raw.strip().upper())
    if isinstance(kind, type) and issubclass(kind, HealthLevel):
        return kind(raw.strip().lower())
    return kind(raw.strip())


def params_from_query(query: Mapping[str, str]) -> tuple[CustomerSearchParams, list[str]]:
    """Search parameters from URL query values; unreadable values are dropped and reported."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    if "q" in query:
        values["query"] = str(query["q"])[:MAX_QUERY_LENGTH]
    for key, (name, kind) in _LIST_KEYS.items():
        if query.get(key):
            try:
                values[name] = tuple(
                    dict.fromkeys(_choice(kind, v) for v in str(query[key]).split(",") if v)
                )
            except ValueError:
                problems.append(f"Ignored the {key} filter: {query[key]!r} is not valid.")
    for key, (name, parse) in _SCALAR_KEYS.items():
        if query.get(key):
            try:
                value = parse(str(query[key]).strip())
                if isinstance(value, Decimal) and not value.is_finite():
                    raise InvalidOperation
                values[name] = value
            except (ValueError, InvalidOperation):
                problems.append(f"Ignored {key}: {query[key]!r} is not valid.")
    if query.get("sort") in SORT_LABELS:
        values["sort"] = query["sort"]
    values["descending"] = query.get("desc") in ("1", "true")
    params = CustomerSearchParams(**values)
    if params.page < 1:
        params = replace(params, page=1)
    if params.page_size not in PAGE_SIZES:
        params = replace(params, page_size=25)
    try:
        validate_params(params)
    except ValidationError as exc:
        problems.append(str(exc))
        params = _drop_inverted_ranges(params)
    return params, problems


def _drop_inverted_ranges(params: CustomerSearchParams) -> CustomerSearchParams:
    for low, high in (
        ("registered_from", "registered_to"),
        ("last_purchase_from", "last_purchase_to"),
        ("ltv_min", "ltv_max"),
        ("orders_min", "orders_max"),
    ):
        a, b = getattr(params, low), getattr(params, high)
        if a is not None and b is not None and a > b:
            params = replace(params, **{low: None, high: None})
    return params


def params_to_query(params: CustomerSearchParams) -> dict[str, str]:
    """The URL query values of ``params`` (defaults left out), so a search can be shared."""
    default = CustomerSearchParams()
    out: dict[str, str] = {}
    if params.query:
        out["q"] = params.query
    for key, (name, _kind) in _LIST_KEYS.items():
        items = getattr(params, name)
        if items:
            out[key] = ",".join(str(getattr(i, "value", i)) for i in items)
    for key, (name, _parse) in _SCALAR_KEYS.items():
        value = getattr(params, name)
        if value is not None and value != getattr(default, name):
            out[key] = value.isoformat() if isinstance(value, date) else str(value)
    if params.sort != default.sort:
        out["sort"] = params.sort
    if params.descending:
        out["desc"] = "1"
    return out


def has_filters(params: CustomerSearchParams) -> bool:
    """True when anything narrows the search (text or any filter)."""
    default = CustomerSearchParams()
    skip = {"sort", "descending", "page", "page_size"}
    return any(
        getattr(params, f.name) != getattr(default, f.name)
        for f in fields(params)
        if f.name not in skip
    )


@dataclass(frozen=True)
class FilterChoices:
    segments: tuple[tuple[int, str], ...]
    tags: tuple[tuple[int, str], ...]


def filter_choices(session: Session) -> FilterChoices:
    """The segments and tags a search can be filtered by (id, name), by name."""
    segments = session.execute(select(Segment.id, Segment.name).order_by(Segment.name)).all()
    tags = session.execute(select(Tag.id, Tag.name).order_by(Tag.name)).all()
    return FilterChoices(
        tuple((int(i), str(n)) for i, n in segments), tuple((int(i), str(n)) for i, n in tags)
    )
