"""The append-only activity feed and audit log: every write and export adds one row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from c360.models import ActivityLog, utcnow
from c360.permissions import Actor


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    entity_type: str,
    entity_id: object | None = None,
    summary: str,
    customer_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> ActivityLog:
    """Add an activity row in the caller's transaction (``actor`` None means the system)."""
    row = ActivityLog(
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        customer_id=customer_id,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        summary=summary[:500],
        before=before,
        after=after,
    )
    session.add(row)
    return row
