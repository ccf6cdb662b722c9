"""Reading the audit log: filter by actor, action, customer and date range, paginated in SQL.

The log is append-only: this module (like the rest of the app) offers no way to change or
remove an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from c360.errors import ValidationError
from c360.models import ActivityLog, Customer, StaffUser
from c360.permissions import Actor, Permission, requires

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class AuditFilter:
    """What to show; every field is optional (None means no restriction)."""

    actor_id: int | None = None
    action: str | None = None
    customer_id: int | None = None
    since: date | None = None  # inclusive, UTC day
    until: date | None = None  # inclusive, UTC day


@dataclass(frozen=True)
class AuditEntry:
    """One audit row with the names it refers to."""

    id: int
    occurred_at: datetime
    actor_id: int | None
    actor: str  # the staff member's e-mail, or "system"
    action: str
    entity_type: str
    entity_id: str | None
    customer_id: int | None
    customer: str | None
    summary: str
    before: Any
    after: Any


@dataclass(frozen=True)
class AuditPage:
    """One page of audit rows, newest first, and the total matching the filter."""

    entries: tuple[AuditEntry, ...]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        """How many pages the filter yields (at least 1)."""
        return max(1, -(-self.total // self.page_size))


@requires(Permission.VIEW_AUDIT)
def audit_log(
    actor: Actor,
    session: Session,
    audit_filter: AuditFilter | None = None,
    *,
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """One page (1-based) of the audit rows matching ``audit_filter``, newest first."""
    audit_filter = audit_filter or AuditFilter()
    if page < 1:
        raise ValidationError("The page number starts at 1.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"A page holds between 1 and {MAX_PAGE_SIZE} rows.")
    if audit_filter.since and audit_filter.until and audit_filter.since > audit_filter.until:
        raise ValidationError("The start date is after the end date.")
    total = session.scalar(_filtered(select(func.count()).select_from(ActivityLog), audit_filter))
    query = (
        select(ActivityLog, StaffUser.email, Customer.name)
        .outerjoin(StaffUser, ActivityLog.actor_id == StaffUser.id)
        .outerjoin(Customer, ActivityLog.customer_id == Customer.id)
    )
    rows = session.execute(
        _filtered(query, audit_filter)
        .order_by(ActivityLog.occurred_at.desc(), ActivityLog.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    entries = tuple(
        AuditEntry(
            id=row.id,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor=email or "system",
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            customer_id=row.customer_id,
            customer=customer_name,
            summary=row.summary,
            before=row.before,
            after=row.after,
        )
        for row, email, customer_name in rows
    )
    return AuditPage(entries=entries, total=int(total or 0), page=page, page_size=page_size)


@requires(Permission.VIEW_AUDIT)
def audit_actions(actor: Actor, session: Session) -> list[str]:
    """Every action name present in the log, for the filter's choices."""
    return list(session.scalars(select(ActivityLog.action).distinct().order_by(ActivityLog.action)))


@requires(Permission.VIEW_AUDIT)
def audit_actors(actor: Actor, session: Session) -> list[tuple[int, str]]:
    """Every staff member (id, e-mail), for the filter's choices."""
    rows = session.execute(select(StaffUser.id, StaffUser.email).order_by(StaffUser.email))
    return [(staff_id, email) for staff_id, email in rows]


def _filtered(query: Select, f: AuditFilter) -> Select:
    if f.actor_id is not None:
        query = query.where(ActivityLog.actor_id == f.actor_id)
    if f.action:
        query = query.where(ActivityLog.action == f.action)
    if f.customer_id is not None:
        query = query.where(ActivityLog.customer_id == f.customer_id)
    if f.since:
        query = query.where(ActivityLog.occurred_at >= datetime.combine(f.since, time.min))
    if f.until:
        next_day = datetime.combine(f.until + timedelta(days=1), time.min)
        query = query.where(ActivityLog.occurred_at < next_day)
    return query
