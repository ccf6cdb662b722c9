"""Everything the scores need, per customer, from a handful of set-based GROUP BY queries.

One pandas frame indexed by customer id; no query runs per customer.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Float, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from c360.models import (
    OPEN_TICKET_STATUSES,
    CampaignMessage,
    Customer,
    LoyaltyTransaction,
    PointsKind,
    SupportTicket,
    WebSession,
)
from c360.scoring import rfm
from c360.scoring.churn import BASELINE_DAYS, HORIZON_DAYS

SUMMARY_COLUMNS = (
    "frequency",
    "recency",
    "age",
    "monetary",
    "first_day",
    "last_day",
    "total_value",
    "trailing_year_value",
)
ACTIVITY_COLUMNS = ("opens", "clicks", "sessions", "loyalty_events")
SUPPORT_COLUMNS = (
    "open_tickets",
    "escalated_open",
    "average_satisfaction",
    "average_resolution_hours",
    "low_rated_recent",
)


def empty_activity(index: pd.Index) -> pd.DataFrame:
    """Zero activity and support columns for ``index`` (data sets without them, e.g. CDNOW)."""
    frame = pd.DataFrame(index=index)
    for name in ACTIVITY_COLUMNS:
        frame[name] = 0.0
        frame[f"{name}_baseline"] = 0.0
    for name in SUPPORT_COLUMNS:
        frame[name] = np.nan if name.startswith("average") else 0.0
    return frame


def from_summary(summary: rfm.Summary, registered_day: np.ndarray | None = None) -> pd.DataFrame:
    """A feature frame of purchase data only (registration = first purchase unless given)."""
    index = pd.Index(summary.customer_ids, name="customer_id")
    frame = empty_activity(index)
    for name in SUMMARY_COLUMNS:
        frame[name] = getattr(summary, name)
    frame["purchased"] = True
    frame["registered_day"] = summary.first_day if registered_day is None else registered_day
    frame["account_manager_id"] = np.nan
    frame.attrs["end_day"] = summary.end_day
    return frame


def _start(end: date, days: int) -> datetime:
    """Midnight starting the ``days``-long window that ends with ``end``."""
    return datetime.combine(end - timedelta(days=days - 1), time.min)


def _count_between(column, start: datetime, stop: datetime):  # type: ignore[no-untyped-def]
    return func.sum(case((and_(column >= start, column < stop), 1), else_=0))


def _hours_between(dialect: str, start, stop):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":
        return func.extract("epoch", stop - start) / 3600.0
    return (func.julianday(stop) - func.julianday(start)) * 24.0


def load_features(session: Session, as_of: date) -> pd.DataFrame:
    """Purchase summary, engagement and support of every customer as they stood at ``as_of``."""
    dialect = session.get_bind().dialect.name
    end = rfm.end_of_day(as_of)
    recent = _start(as_of, HORIZON_DAYS)
    baseline = _start(as_of, HORIZON_DAYS + BASELINE_DAYS)
    year = _start(as_of, 365)

    customers = session.execute(
        select(
            Customer.id,
            Customer.account_manager_id,
            rfm.day_number_sql(dialect, Customer.registered_at),
        ).where(Customer.registered_at < end)
    ).all()
    index = pd.Index([row[0] for row in customers], name="customer_id", dtype=np.int64)
    frame = empty_activity(index)
    frame["account_manager_id"] = np.array(
        [np.nan if row[1] is None else row[1] for row in customers], dtype=np.float64
    )
    frame["registered_day"] = np.array([row[2] for row in customers], dtype=np.float64)
    frame.attrs["end_day"] = rfm.day_number(as_of)

    summary = rfm.load_summary(session, as_of)
    summary_frame = pd.DataFrame(
        {name: getattr(summary, name) for name in SUMMARY_COLUMNS},
        index=pd.Index(summary.customer_ids, name="customer_id"),
    ).reindex(index)
    for name in SUMMARY_COLUMNS:
        frame[name] = summary_frame[name].to_numpy()
    frame["purchased"] = summary_frame["frequency"].notna().to_numpy()

    def merge(rows: list, columns: tuple[str, ...]) -> None:
        if not rows:
            return
        part = pd.DataFrame(rows, columns=("customer_id", *columns)).set_index("customer_id")
        part = part.reindex(index)
        for name in columns:
            values = part[name].astype(np.float64)
            frame[name] = values if name.startswith("average") else values.fillna(0.0)

    merge(
        session.execute(
            select(
                CampaignMessage.customer_id,
                _count_between(CampaignMessage.opened_at, recent, end),
                _count_between(CampaignMessage.opened_at, baseline, recent),
                _count_between(CampaignMessage.clicked_at, recent, end),
                _count_between(CampaignMessage.clicked_at, baseline, recent),
            )
            .where(
                CampaignMessage.sent_at < end,
                CampaignMessage.sent_at >= baseline - timedelta(days=30),
            )
            .group_by(CampaignMessage.customer_id)
        ).all(),
        ("opens", "opens_baseline", "clicks", "clicks_baseline"),
    )
    merge(
        session.execute(
            select(
                WebSession.customer_id,
                _count_between(WebSession.started_at, recent, end),
                _count_between(WebSession.started_at, baseline, recent),
            )
            .where(WebSession.started_at < end, WebSession.started_at >= baseline)
            .group_by(WebSession.customer_id)
        ).all(),
        ("sessions", "sessions_baseline"),
    )
    merge(
        session.execute(
            select(
                LoyaltyTransaction.customer_id,
                _count_between(LoyaltyTransaction.created_at, recent, end),
                _count_between(LoyaltyTransaction.created_at, baseline, recent),
            )
            .where(
                LoyaltyTransaction.created_at < end,
                LoyaltyTransaction.created_at >= baseline,
                LoyaltyTransaction.kind.in_((PointsKind.EARNED, PointsKind.REDEEMED)),
            )
            .group_by(LoyaltyTransaction.customer_id)
        ).all(),
        ("loyalty_events", "loyalty_events_baseline"),
    )

    ticket = SupportTicket
    open_at_end = or_(
        and_(ticket.resolved_at.is_(None), ticket.status.in_(OPEN_TICKET_STATUSES)),
        ticket.resolved_at >= end,
    )
    resolved_in_year = and_(ticket.resolved_at >= year, ticket.resolved_at < end)
    merge(
        session.execute(
            select(
                ticket.customer_id,
                func.sum(case((open_at_end, 1), else_=0)),
                func.sum(case((and_(open_at_end, ticket.escalated), 1), else_=0)),
                func.avg(case((resolved_in_year, cast(ticket.satisfaction_rating, Float)))),
                func.avg(
                    case(
                        (
                            resolved_in_year,
                            _hours_between(dialect, ticket.created_at, ticket.resolved_at),
                        )
                    )
                ),
                func.sum(
                    case(
                        (
                            and_(
                                ticket.resolved_at >= recent,
                                ticket.resolved_at < end,
                                ticket.satisfaction_rating <= 2,
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
            )
            .where(
                ticket.created_at < end,
                or_(ticket.resolved_at.is_(None), ticket.resolved_at >= year),
            )
            .group_by(ticket.customer_id)
        ).all(),
        SUPPORT_COLUMNS,
    )
    return frame
