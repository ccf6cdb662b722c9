"""Everything the scores need, per customer, from a handful of set-based GROUP BY queries.

One pandas frame indexed by customer id; no query runs per customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Float, Select, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from c360.frames import GROUPS_IN_INDEX_ORDER, concurrent_reads, read_frame
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
    return load_feature_frames(session, [as_of])[0]


def load_feature_frames(
    session: Session, ends: Sequence[date], reads: Executor | None = None
) -> list[pd.DataFrame]:
    """Feature frames as of each day in ``ends``, from one pass of each GROUP BY query.

    The queries run at once on ``reads`` (default: an executor of their own); on PostgreSQL
    each has its own connection and sees committed data as of its start, as every statement
    of a READ COMMITTED transaction does.
    """
    if reads is None:
        with concurrent_reads(session) as own:
            return load_feature_frames(session, ends, own)
    windows = [_Window(end) for end in ends]
    dialect = session.get_bind().dialect.name
    # Longest first: the purchase summary reads every order.
    summaries = reads.submit(rfm.load_summaries, session, ends)
    customers_read = reads.submit(
        read_frame,
        session,
        _customers_query(dialect, windows),
        ["customer_id", "manager", "registered"],
    )
    activity = [
        (
            read,
            reads.submit(
                read_frame,
                session,
                read.statement,
                read.columns(len(windows)),
                planner=GROUPS_IN_INDEX_ORDER,
            ),
        )
        for read in _per_window_reads(dialect, windows)
    ]
    customers = customers_read.result()
    everyone = pd.Index(customers["customer_id"].to_numpy(np.int64), name="customer_id")
    managers = customers["manager"].to_numpy(np.float64, na_value=np.nan)
    registered = customers["registered"].to_numpy(np.float64)
    frames = []
    for window in windows:
        member = registered <= window.end_day
        frame = empty_activity(everyone[member])
        frame["account_manager_id"] = managers[member]
        frame["registered_day"] = registered[member]
        frame.attrs["end_day"] = window.end_day
        frames.append(frame)

    for frame, summary in zip(frames, summaries.result(), strict=True):
        part = pd.DataFrame(
            {name: getattr(summary, name) for name in SUMMARY_COLUMNS},
            index=pd.Index(summary.customer_ids, name="customer_id"),
        ).reindex(frame.index)
        for name in SUMMARY_COLUMNS:
            frame[name] = part[name].to_numpy()
        frame["purchased"] = part["frequency"].notna().to_numpy()

    for read, pending in activity:
        part = pending.result()
        if part.empty:
            continue
        part = part.set_index("customer_id")
        for k, frame in enumerate(frames):
            aligned = part.reindex(frame.index)
            for name in read.per_window:
                values = aligned[f"{name}@{k}"].astype(np.float64)
                frame[name] = values if name.startswith("average") else values.fillna(0.0)
    return frames


@dataclass(frozen=True)
class _PerWindowRead:
    """A GROUP BY customer_id whose columns repeat ``per_window`` once for each window."""

    statement: Select
    per_window: tuple[str, ...]

    def columns(self, windows: int) -> list[str]:
        """Result column names: customer_id, then ``name@k`` for window k."""
        return ["customer_id", *[f"{n}@{k}" for k in range(windows) for n in self.per_window]]


def _customers_query(dialect: str, windows: list[_Window]) -> Select:
    return select(
        Customer.id,
        Customer.account_manager_id,
        rfm.day_number_sql(dialect, Customer.registered_at),
    ).where(Customer.registered_at < max(w.end for w in windows))


def _recent_and_baseline(windows: list[_Window], *columns) -> list:  # type: ignore[no-untyped-def]
    """Per window and column: events in the last 90 days, then in the baseline before them."""
    return [
        count
        for w in windows
        for column in columns
        for count in (
            _count_between(column, w.recent, w.end),
            _count_between(column, w.baseline, w.recent),
        )
    ]


def _per_window_reads(dialect: str, windows: list[_Window]) -> list[_PerWindowRead]:
    """Messages, sessions, loyalty events and support tickets, one GROUP BY each."""
    last_end = max(w.end for w in windows)
    earliest_baseline = min(w.baseline for w in windows)
    earliest_year = min(w.year for w in windows)
    message, loyalty, ticket = CampaignMessage, LoyaltyTransaction, SupportTicket
    return [
        _PerWindowRead(
            select(
                message.customer_id,
                *_recent_and_baseline(windows, message.opened_at, message.clicked_at),
            )
            .where(
                message.sent_at < last_end,
                message.sent_at >= earliest_baseline - timedelta(days=30),
            )
            .group_by(message.customer_id),
            ("opens", "opens_baseline", "clicks", "clicks_baseline"),
        ),
        _PerWindowRead(
            select(WebSession.customer_id, *_recent_and_baseline(windows, WebSession.started_at))
            .where(WebSession.started_at < last_end, WebSession.started_at >= earliest_baseline)
            .group_by(WebSession.customer_id),
            ("sessions", "sessions_baseline"),
        ),
        _PerWindowRead(
            select(loyalty.customer_id, *_recent_and_baseline(windows, loyalty.created_at))
            .where(
                loyalty.created_at < last_end,
                loyalty.created_at >= earliest_baseline,
                loyalty.kind.in_((PointsKind.EARNED, PointsKind.REDEEMED)),
            )
            .group_by(loyalty.customer_id),
            ("loyalty_events", "loyalty_events_baseline"),
        ),
        _PerWindowRead(
            select(
                ticket.customer_id,
                *[expression for w in windows for expression in _support_aggregates(dialect, w)],
            )
            .where(
                ticket.created_at < last_end,
                or_(ticket.resolved_at.is_(None), ticket.resolved_at >= earliest_year),
            )
            .group_by(ticket.customer_id),
            SUPPORT_COLUMNS,
        ),
    ]


class _Window:
    """The time windows of one scoring day: the last 90 days, the baseline before, the year."""

    def __init__(self, as_of: date) -> None:
        self.end_day = rfm.day_number(as_of)
        self.end = rfm.end_of_day(as_of)
        self.recent = _start(as_of, HORIZON_DAYS)
        self.baseline = _start(as_of, HORIZON_DAYS + BASELINE_DAYS)
        self.year = _start(as_of, 365)


def _support_aggregates(dialect: str, window: _Window) -> list:
    """Open (at the time), escalated open, mean rating, mean resolution hours, low ratings."""
    ticket = SupportTicket
    open_then = and_(
        ticket.created_at < window.end,
        or_(
            and_(ticket.resolved_at.is_(None), ticket.status.in_(OPEN_TICKET_STATUSES)),
            ticket.resolved_at >= window.end,
        ),
    )
    resolved_in_year = and_(ticket.resolved_at >= window.year, ticket.resolved_at < window.end)
    low_rated_recently = and_(
        ticket.resolved_at >= window.recent,
        ticket.resolved_at < window.end,
        ticket.satisfaction_rating <= 2,
    )
    return [
        func.sum(case((open_then, 1), else_=0)),
        func.sum(case((and_(open_then, ticket.escalated), 1), else_=0)),
        func.avg(case((resolved_in_year, cast(ticket.satisfaction_rating, Float)))),
        func.avg(
            case((resolved_in_year, _hours_between(dialect, ticket.created_at, ticket.resolved_at)))
        ),
        func.sum(case((low_rated_recently, 1), else_=0)),
    ]
