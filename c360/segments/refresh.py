"""Recompute the members of automatic segments from their criteria: set-based and idempotent.

Members who still match keep their row (and so their ``assigned_at``); only customers who
stopped matching are removed and only new matches are inserted. Running it twice in a row
changes nothing the second time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from c360.db import is_postgres, transaction
from c360.models import Customer, CustomerSegment, Segment, utcnow
from c360.segments.builtin import ensure_builtin_segments
from c360.segments.criteria import compile_criteria, customer_source, parse_criteria

# Any constant shared by every refresher: serialises concurrent refreshes on PostgreSQL.
_REFRESH_LOCK_KEY = 536_036_011


@dataclass(frozen=True)
class SegmentRefresh:
    segment_id: int
    name: str
    added: int
    removed: int
    members: int


@dataclass(frozen=True)
class RefreshReport:
    segments: tuple[SegmentRefresh, ...]
    builtins_created: tuple[str, ...]
    seconds: float

    @property
    def added(self) -> int:
        return sum(s.added for s in self.segments)

    @property
    def removed(self) -> int:
        return sum(s.removed for s in self.segments)


def members_query(segment_criteria: dict, as_of: datetime):  # type: ignore[no-untyped-def]
    """SELECT customers.id of everyone matching ``segment_criteria`` at ``as_of``."""
    condition = compile_criteria(parse_criteria(segment_criteria), as_of)
    return select(Customer.id).select_from(customer_source()).where(condition)


def _member_count(connection, segment_id: int) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).where(CustomerSegment.segment_id == segment_id)
    return connection.scalar(query) or 0


def refresh_segment(session: Session, segment: Segment, as_of: datetime) -> SegmentRefresh:
    """Bring one automatic segment's members in line with its criteria (caller's transaction)."""
    matching = members_query(segment.criteria, as_of).subquery()
    connection = session.connection()
    # Counted rather than taken from rowcount, which psycopg does not report for
    # parametrised INSERT ... SELECT.
    before = _member_count(connection, segment.id)
    connection.execute(
        delete(CustomerSegment.__table__).where(
            CustomerSegment.segment_id == segment.id,
            CustomerSegment.customer_id.not_in(select(matching.c.id)),
        )
    )
    kept = _member_count(connection, segment.id)
    already = select(CustomerSegment.customer_id).where(CustomerSegment.segment_id == segment.id)
    connection.execute(
        insert(CustomerSegment.__table__).from_select(
            [CustomerSegment.customer_id, CustomerSegment.segment_id, CustomerSegment.assigned_at],
            select(matching.c.id, literal(segment.id), literal(as_of)).where(
                matching.c.id.not_in(already)
            ),
        )
    )
    members = _member_count(connection, segment.id)
    return SegmentRefresh(segment.id, segment.name, members - kept, before - kept, members)


def refresh_segments(
    session: Session, segment_ids: list[int] | None = None, as_of: datetime | None = None
) -> RefreshReport:
    """Create missing built-ins, then refresh every automatic segment (or ``segment_ids``)."""
    started = time.perf_counter()
    as_of = as_of or utcnow()
    if session.bind is not None and is_postgres(session.get_bind()):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REFRESH_LOCK_KEY})
    created = tuple(ensure_builtin_segments(session)) if segment_ids is None else ()
    query = select(Segment).where(Segment.is_automatic.is_(True)).order_by(Segment.id)
    if segment_ids is not None:
        query = query.where(Segment.id.in_(segment_ids))
    results = tuple(refresh_segment(session, seg, as_of) for seg in session.scalars(query))
    return RefreshReport(results, created, time.perf_counter() - started)


def refresh_all_segments(engine: Engine, as_of: datetime | None = None) -> RefreshReport:
    """Refresh every automatic segment in one transaction (called after each rescore)."""
    with transaction(engine) as session:
        return refresh_segments(session, as_of=as_of)


def refresh_segments_after_scoring(engine: Engine, _summary: object = None) -> RefreshReport:
    """Post-score hook: fresh scores can move customers between automatic segments."""
    return refresh_all_segments(engine)


def ensure_builtin_segments_ready(engine: Engine) -> tuple[str, ...]:
    """First use: create the missing built-in segments and fill just those; names created."""
    with transaction(engine) as session:
        created = ensure_builtin_segments(session)
        if created:
            ids = list(session.scalars(select(Segment.id).where(Segment.name.in_(created))))
            refresh_segments(session, segment_ids=ids)
        return tuple(created)
