"""Segment services: define segments (managers), put customers in manual ones, and read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from c360 import audit, views
from c360.errors import Conflict, NotFound, ValidationError
from c360.models import Customer, CustomerSegment, Segment, utcnow
from c360.permissions import Actor, Permission, requires
from c360.segments.criteria import compile_criteria, customer_source, parse_criteria
from c360.segments.refresh import refresh_segment

MAX_NAME = 80
MAX_DESCRIPTION = 500


def _clean_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("A segment needs a name.")
    if "\x00" in name:
        raise ValidationError("A segment name cannot contain control characters.")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise ValidationError(f"A segment name is at most {MAX_NAME} characters.")
    return name


def _clean_description(description: Any) -> str:
    if description is None:
        return ""
    if not isinstance(description, str) or len(description.strip()) > MAX_DESCRIPTION:
        raise ValidationError(f"A description is text of at most {MAX_DESCRIPTION} characters.")
    return description.strip()


def _check_unique(session: Session, name: str, except_id: int | None = None) -> None:
    query = select(Segment.id).where(func.lower(Segment.name) == name.lower())
    if except_id is not None:
        query = query.where(Segment.id != except_id)
    if session.scalar(query) is not None:
        raise Conflict(f"A segment named {name!r} already exists.")


def _snapshot(segment: Segment) -> dict[str, Any]:
    return {
        "name": segment.name,
        "description": segment.description,
        "criteria": segment.criteria,
        "is_automatic": segment.is_automatic,
    }


def _flush(session: Session, name: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"A segment named {name!r} already exists.") from None


def _get(session: Session, segment_id: int) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"Segment {segment_id} does not exist.")
    return segment


@requires(Permission.MANAGE_SEGMENTS)
def create_segment(
    actor: Actor,
    session: Session,
    *,
    name: str,
    criteria: dict | None,
    description: str = "",
    is_automatic: bool = True,
) -> views.Segment:
    """Create a segment; an automatic one gets its members at once."""
    name = _clean_name(name)
    description = _clean_description(description)
    group = parse_criteria(criteria)
    if is_automatic and not group.conditions():
        raise ValidationError("An automatic segment needs at least one condition.")
    _check_unique(session, name)
    segment = Segment(
        name=name,
        description=description,
        criteria=group.to_dict() if is_automatic else {},
        is_automatic=is_automatic,
        is_builtin=False,
        created_by_id=actor.id,
    )
    session.add(segment)
    _flush(session, name)
    if is_automatic:
        refresh_segment(session, segment, utcnow())
    audit.record(
        session,
        actor,
        "segment.create",
        entity_type="segment",
        entity_id=segment.id,
        summary=f"Created segment {name}",
        after=_snapshot(segment),
    )
    return segment_view(session, segment)


@requires(Permission.MANAGE_SEGMENTS)
def update_segment(
    actor: Actor,
    session: Session,
    segment_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    criteria: dict | None = None,
) -> views.Segment:
    """Rename, redescribe or change the criteria of a segment (built-ins keep their name)."""
    segment = _get(session, segment_id)
    before = _snapshot(segment)
    if name is not None:
        name = _clean_name(name)
        if segment.is_builtin and name != segment.name:
            raise ValidationError("Built-in segments keep their name; edit the criteria instead.")
        _check_unique(session, name, except_id=segment.id)
        segment.name = name
    if description is not None:
        segment.description = _clean_description(description)
    if criteria is not None:
        if not segment.is_automatic:
            raise ValidationError("A manual segment has no criteria: add customers to it instead.")
        group = parse_criteria(criteria)
        if not group.conditions():
            raise ValidationError("An automatic segment needs at least one condition.")
        segment.criteria = group.to_dict()
    segment.updated_at = utcnow()
    _flush(session, segment.name)
    if segment.is_automatic and criteria is not None:
        refresh_segment(session, segment, utcnow())
    audit.record(
        session,
        actor,
        "segment.update",
        entity_type="segment",
        entity_id=segment.id,
        summary=f"Updated segment {segment.name}",
        before=before,
        after=_snapshot(segment),
    )
    return segment_view(session, segment)


@requires(Permission.MANAGE_SEGMENTS)
def delete_segment(actor: Actor, session: Session, segment_id: int) -> None:
    """Delete a segment and its memberships (built-ins cannot be deleted)."""
    segment = _get(session, segment_id)
    if segment.is_builtin:
        raise ValidationError(f"{segment.name} is a built-in segment and cannot be deleted.")
    audit.record(
        session,
        actor,
        "segment.delete",
        entity_type="segment",
        entity_id=segment.id,
        summary=f"Deleted segment {segment.name}",
        before=_snapshot(segment),
    )
    session.delete(segment)
    session.flush()


def _manual_segment_and_customer(
    session: Session, customer_id: int, segment_id: int
) -> tuple[Segment, Customer]:
    segment = _get(session, segment_id)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    if segment.is_automatic:
        raise ValidationError(f"{segment.name} is automatic: its members come from its criteria.")
    return segment, customer


@requires(Permission.ACT_ON_CUSTOMERS)
def add_customer_to_segment(
    actor: Actor, session: Session, customer_id: int, segment_id: int
) -> None:
    """Put a customer in a manual segment, with an activity entry on the customer."""
    segment, customer = _manual_segment_and_customer(session, customer_id, segment_id)
    member = session.scalar(
        select(CustomerSegment.id).where(
            CustomerSegment.customer_id == customer_id, CustomerSegment.segment_id == segment_id
        )
    )
    if member is not None:
        raise Conflict(f"{customer.name} is already in {segment.name}.")
    session.add(
        CustomerSegment(
            customer_id=customer_id,
            segment_id=segment_id,
            assigned_by_id=actor.id,
            assigned_at=utcnow(),
        )
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{customer.name} is already in {segment.name}.") from None
    audit.record(
        session,
        actor,
        "segment.add_customer",
        entity_type="segment",
        entity_id=segment.id,
        customer_id=customer_id,
        summary=f"Added to segment {segment.name}",
        before={"segment": segment.name, "member": False},
        after={"segment": segment.name, "member": True},
    )


@requires(Permission.ACT_ON_CUSTOMERS)
def remove_customer_from_segment(
    actor: Actor, session: Session, customer_id: int, segment_id: int
) -> None:
    """Take a customer out of a manual segment, with an activity entry on the customer."""
    segment, customer = _manual_segment_and_customer(session, customer_id, segment_id)
    member = session.scalar(
        select(CustomerSegment).where(
            CustomerSegment.customer_id == customer_id, CustomerSegment.segment_id == segment_id
        )
    )
    if member is None:
        raise NotFound(f"{customer.name} is not in {segment.name}.")
    session.delete(member)
    session.flush()
    audit.record(
        session,
        actor,
        "segment.remove_customer",
        entity_type="segment",
        entity_id=segment.id,
        customer_id=customer_id,
        summary=f"Removed from segment {segment.name}",
        before={"segment": segment.name, "member": True},
        after={"segment": segment.name, "member": False},
    )


# --------------------------------------------------------------------------- reading


def _member_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(CustomerSegment.segment_id, func.count()).group_by(CustomerSegment.segment_id)
    )
    return {segment_id: count for segment_id, count in rows}


def segment_view(session: Session, segment: Segment, assigned_at=None) -> views.Segment:  # type: ignore[no-untyped-def]
    """The typed view of one stored segment, with its member count."""
    count = session.scalar(select(func.count()).where(CustomerSegment.segment_id == segment.id))
    return _view(segment, count, assigned_at)


def _view(segment: Segment, count: int | None, assigned_at=None) -> views.Segment:  # type: ignore[no-untyped-def]
    return views.Segment(
        id=segment.id,
        name=segment.name,
        description=segment.description,
        criteria=segment.criteria or {},
        is_automatic=segment.is_automatic,
        assigned_at=assigned_at,
        member_count=count,
        is_builtin=segment.is_builtin,
    )


def list_segments(session: Session) -> list[views.Segment]:
    """Every segment, built-ins first, each with its member count."""
    counts = _member_counts(session)
    segments = session.scalars(select(Segment).order_by(Segment.is_builtin.desc(), Segment.name))
    return [_view(s, counts.get(s.id, 0)) for s in segments]


def get_segment(session: Session, segment_id: int) -> views.Segment:
    """One segment by id (NotFound otherwise)."""
    return segment_view(session, _get(session, segment_id))


def customer_segments(session: Session, customer_id: int) -> list[views.Segment]:
    """The segments a customer is in, with when they were assigned."""
    rows = session.execute(
        select(Segment, CustomerSegment.assigned_at)
        .join(CustomerSegment, CustomerSegment.segment_id == Segment.id)
        .where(CustomerSegment.customer_id == customer_id)
        .order_by(Segment.name)
    )
    return [_view(segment, None, assigned_at) for segment, assigned_at in rows]


def count_matching(session: Session, criteria: dict | None) -> int:
    """How many customers match ``criteria`` right now (the builder's live preview)."""
    condition = compile_criteria(parse_criteria(criteria), utcnow())
    return session.scalar(select(func.count()).select_from(customer_source()).where(condition)) or 0


def manual_segments(session: Session) -> list[views.Segment]:
    """The manual segments (those staff fill by hand), by name."""
    rows = session.scalars(
        select(Segment).where(Segment.is_automatic.is_(False)).order_by(Segment.name)
    )
    return [_view(s, None) for s in rows]
