"""The home page's numbers: counts of the whole base and monthly series, set-based SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from c360.models import (
    OPEN_TICKET_STATUSES,
    REVENUE_STATUSES,
    Customer,
    CustomerStats,
    Order,
    SupportTicket,
    utcnow,
)

ACTIVE_DAYS = 90
MONTHS_SHOWN = 24


@dataclass(frozen=True)
class OverviewCounts:
    """Headline counts of the customer base (order figures from the customer_stats rollup)."""

    customers: int
    orders: int
    revenue_cents: int
    open_tickets: int
    active_customers: int  # with an order in the last ACTIVE_DAYS days
    as_of: datetime


@dataclass(frozen=True)
class MonthPoint:
    """One calendar month of a series: month is 'YYYY-MM'."""

    month: str
    orders: int
    revenue_cents: int
    new_customers: int


@dataclass(frozen=True)
class StatusCount:
    """Orders in one status over the months shown."""

    status: str
    orders: int


@dataclass(frozen=True)
class Overview:
    """Everything the home page shows."""

    counts: OverviewCounts
    months: list[MonthPoint]
    statuses: list[StatusCount]

    @property
    def is_empty(self) -> bool:
        """True when there is no customer at all."""
        return self.counts.customers == 0


def _month(column: ColumnElement[datetime], dialect: str) -> ColumnElement:
    # date_trunc is cheaper per row than to_char; _month_key formats the few groups after.
    if dialect == "postgresql":
        return func.date_trunc("month", column)
    return func.strftime("%Y-%m", column)


def _month_key(value: object) -> str:
    return value.strftime("%Y-%m") if isinstance(value, datetime) else str(value)


def _month_keys(first: date, last: date) -> list[str]:
    keys, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def counts(session: Session, now: datetime | None = None) -> OverviewCounts:
    """Customers, orders, revenue (delivered + completed), open tickets, recently active."""
    now = now or utcnow()
    stats = session.execute(
        select(
            func.coalesce(func.sum(CustomerStats.order_count), 0),
            func.coalesce(func.sum(CustomerStats.lifetime_value_cents), 0),
            func.count().filter(CustomerStats.last_order_at >= now - timedelta(days=ACTIVE_DAYS)),
        )
    ).one()
    customers = session.scalar(select(func.count()).select_from(Customer)) or 0
    open_tickets = session.scalar(
        select(func.count())
        .select_from(SupportTicket)
        .where(SupportTicket.status.in_(OPEN_TICKET_STATUSES))
    )
    return OverviewCounts(
        customers=int(customers),
        orders=int(stats[0]),
        revenue_cents=int(stats[1]),
        open_tickets=int(open_tickets or 0),
        active_customers=int(stats[2]),
        as_of=now,
    )


def monthly(
    session: Session, now: datetime | None = None, months: int = MONTHS_SHOWN
) -> tuple[list[MonthPoint], list[StatusCount]]:
    """Orders, revenue and new customers per month for the last ``months`` months (this one
    included, zero-filled), and the orders of that window by status."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    first_year, first_month = divmod(now.year * 12 + now.month - 1 - (months - 1), 12)
    start = datetime(first_year, first_month + 1, 1)
    order_month = _month(Order.created_at, dialect)
    per_month_status = session.execute(
        select(order_month, Order.status, func.count(), func.sum(Order.total_cents))
        .where(Order.created_at >= start)
        .group_by(order_month, Order.status)
    ).all()
    signup_month = _month(Customer.registered_at, dialect)
    signups = {
        _month_key(month): count
        for month, count in session.execute(
            select(signup_month, func.count())
            .where(Customer.registered_at >= start)
            .group_by(signup_month)
        )
    }
    orders: dict[str, int] = {}
    revenue: dict[str, int] = {}
    by_status: dict[str, int] = {}
    kept = {s.value for s in REVENUE_STATUSES}
    for raw_month, status, count, total in per_month_status:
        month = _month_key(raw_month)
        status = getattr(status, "value", status)
        orders[month] = orders.get(month, 0) + int(count)
        by_status[status] = by_status.get(status, 0) + int(count)
        if status in kept:
            revenue[month] = revenue.get(month, 0) + int(total or 0)
    points = [
        MonthPoint(
            month=key,
            orders=orders.get(key, 0),
            revenue_cents=revenue.get(key, 0),
            new_customers=int(signups.get(key, 0)),
        )
        for key in _month_keys(start.date(), now.date())
    ]
    statuses = [
        StatusCount(status=s, orders=n) for s, n in sorted(by_status.items(), key=lambda x: -x[1])
    ]
    return points, statuses


def overview(session: Session, now: datetime | None = None) -> Overview:
    """Counts and monthly series for the home page, as of ``now``."""
    now = now or utcnow()
    points, statuses = monthly(session, now)
    return Overview(counts=counts(session, now), months=points, statuses=statuses)
