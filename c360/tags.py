"""The tag catalogue (create, rename, recolour, delete) and tag assignment on customers.

A tag is assigned at most once per customer: assignment is ``INSERT ... ON CONFLICT DO NOTHING``
against the unique (customer_id, tag_id) constraint, so two sessions clicking at once leave one
row and neither sees an error.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from c360 import audit
from c360.db import transaction
from c360.errors import Conflict, NotFound, ValidationError
from c360.models import Customer, CustomerTag, StaffUser, Tag, utcnow
from c360.permissions import Actor, Permission, requires
from c360.profile.common import reading
from c360.views import Tag as TagView

# The colours a chip can show exactly (Streamlit's badge palette); other stored colours are
# shown as the nearest of these.
PALETTE: dict[str, str] = {
    "red": "#ef4444",
    "orange": "#f97316",
    "yellow": "#eab308",
    "green": "#22c55e",
    "blue": "#3b82f6",
    "violet": "#8b5cf6",
    "gray": "#6b7280",
}
# Letters (any script), digits, spaces and a few joiners; no brackets, so a name never
# breaks the Markdown a chip is drawn with.
_NAME = re.compile(r"^[\w][\w .&+/'-]*$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NAME = 60
MAX_DESCRIPTION = 300


def palette_name(color: str) -> str:
    """The palette colour nearest to ``color`` (a ``#rrggbb`` string)."""
    if not _HEX.match(color or ""):
        return "gray"
    rgb = _rgb(color)
    return min(
        PALETTE,
        key=lambda name: sum((a - b) ** 2 for a, b in zip(rgb, _rgb(PALETTE[name]), strict=True)),
    )


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def list_tags(engine_or_session: Engine | Session) -> tuple[TagView, ...]:
    """Every tag of the catalogue, by name (the search filter lists these)."""
    with reading(engine_or_session) as session:
        rows = session.scalars(select(Tag).order_by(func.lower(Tag.name)))
        return tuple(_view(tag) for tag in rows)


def tag_usage(engine_or_session: Engine | Session) -> dict[int, int]:
    """How many customers carry each tag (tag id -> count)."""
    with reading(engine_or_session) as session:
        rows = session.execute(
            select(CustomerTag.tag_id, func.count()).group_by(CustomerTag.tag_id)
        ).all()
    return {tag_id: count for tag_id, count in rows}


def customer_tags(engine_or_session: Engine | Session, customer_id: int) -> tuple[TagView, ...]:
    """The tags on ``customer_id`` with who assigned them and when, by name."""
    with reading(engine_or_session) as session:
        rows = session.execute(
            select(Tag, CustomerTag.assigned_at, StaffUser.name)
            .join(CustomerTag, CustomerTag.tag_id == Tag.id)
            .outerjoin(StaffUser, StaffUser.id == CustomerTag.assigned_by_id)
            .where(CustomerTag.customer_id == customer_id)
            .order_by(func.lower(Tag.name))
        ).all()
    return tuple(_view(tag, assigned_at, by) for tag, assigned_at, by in rows)


@requires(Permission.MANAGE_TAGS)
def create_tag(
    actor: Actor, engine: Engine, name: str, color: str = PALETTE["gray"], description: str = ""
) -> TagView:
    """Add a tag to the catalogue; the name is unique regardless of case."""
    clean = _valid_name(name)
    hex_color = _valid_color(color)
    text = _valid_description(description)
    try:
        with transaction(engine) as session:
            _refuse_duplicate(session, clean)
            return _insert_tag(session, actor, clean, hex_color, text)
    except IntegrityError:
        # Another session created the same name between our check and our insert.
        raise Conflict(f"A tag named {clean!r} already exists.") from None


def _insert_tag(session: Session, actor: Actor, clean: str, hex_color: str, text: str) -> TagView:
    tag = Tag(
        name=clean,
        color=hex_color,
        description=text,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    session.add(tag)
    session.flush()
    audit.record(
        session,
        actor,
        "tag.created",
        entity_type="tag",
        entity_id=tag.id,
        summary=f"Created tag {clean}",
        after=_snapshot(tag),
    )
    return _view(tag)


@requires(Permission.MANAGE_TAGS)
def update_tag(
    actor: Actor,
    engine: Engine,
    tag_id: int,
    *,
    name: str | None = None,
    color: str | None = None,
    description: str | None = None,
) -> TagView:
    """Rename, recolour or redescribe a tag; assignments follow it."""
    try:
        return _update_tag(actor, engine, tag_id, name, color, description)
    except IntegrityError:
        raise Conflict(f"A tag named {name!r} already exists.") from None


def _update_tag(
    actor: Actor,
    engine: Engine,
    tag_id: int,
    name: str | None,
    color: str | None,
    description: str | None,
) -> TagView:
    with transaction(engine) as session:
        tag = _get(session, tag_id)
        before = _snapshot(tag)
        if name is not None:
            clean = _valid_name(name)
            if clean.lower() != tag.name.lower():
                _refuse_duplicate(session, clean)
            tag.name = clean
        if color is not None:
            tag.color = _valid_color(color)
        if description is not None:
            tag.description = _valid_description(description)
        after = _snapshot(tag)
        if after == before:
            return _view(tag)
        session.flush()
        summary = (
            f"Renamed tag {before['name']} to {tag.name}"
            if before["name"] != tag.name
            else f"Changed tag {tag.name}"
        )
        audit.record(
            session,
            actor,
            "tag.updated",
            entity_type="tag",
            entity_id=tag.id,
            summary=summary,
            before=before,
            after=after,
        )
        return _view(tag)


@requires(Permission.MANAGE_TAGS)
def delete_tag(actor: Actor, engine: Engine, tag_id: int) -> int:
    """Delete a tag and its assignments; returns how many customers lost it."""
    with transaction(engine) as session:
        tag = _get(session, tag_id)
        before = _snapshot(tag)
        assigned = session.scalar(
            select(func.count()).select_from(CustomerTag).where(CustomerTag.tag_id == tag_id)
        )
        session.execute(delete(CustomerTag).where(CustomerTag.tag_id == tag_id))
        session.delete(tag)
        audit.record(
            session,
            actor,
            "tag.deleted",
            entity_type="tag",
            entity_id=tag_id,
            summary=f"Deleted tag {before['name']} (removed from {assigned} customers)",
            before={**before, "assigned_to": assigned},
        )
        return int(assigned or 0)


@requires(Permission.ACT_ON_CUSTOMERS)
def assign_tag(actor: Actor, engine: Engine, customer_id: int, tag_id: int) -> bool:
    """Put a tag on a customer; True if added, False if it was already there (no second row)."""
    with transaction(engine) as session:
        if session.get(Customer, customer_id) is None:
            raise NotFound(f"Customer {customer_id} does not exist.")
        tag = _get(session, tag_id)
        insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(CustomerTag)
            .values(
                customer_id=customer_id,
                tag_id=tag_id,
                assigned_by_id=actor.id,
                assigned_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["customer_id", "tag_id"])
            .returning(CustomerTag.id)
        )
        # RETURNING yields no row when the pair already existed (rowcount is unreliable here).
        if session.execute(statement).scalar_one_or_none() is None:
            return False
        audit.record(
            session,
            actor,
            "tag.assigned",
            entity_type="tag",
            entity_id=tag_id,
            customer_id=customer_id,
            summary=f"Tagged {tag.name}",
            after={"tag": tag.name},
        )
        return True


@requires(Permission.ACT_ON_CUSTOMERS)
def remove_tag(actor: Actor, engine: Engine, customer_id: int, tag_id: int) -> bool:
    """Take a tag off a customer; True if removed, False if it was not there."""
    with transaction(engine) as session:
        tag = _get(session, tag_id)
        removed = session.execute(
            delete(CustomerTag).where(
                CustomerTag.customer_id == customer_id, CustomerTag.tag_id == tag_id
            )
        ).rowcount
        if not removed:
            return False
        audit.record(
            session,
            actor,
            "tag.removed",
            entity_type="tag",
            entity_id=tag_id,
            customer_id=customer_id,
            summary=f"Removed tag {tag.name}",
            before={"tag": tag.name},
        )
        return True


def _get(session: Session, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise NotFound("That tag no longer exists.")
    return tag


def _refuse_duplicate(session: Session, name: str) -> None:
    taken = session.scalar(select(Tag.name).where(func.lower(Tag.name) == name.lower()))
    if taken is not None:
        raise Conflict(f"A tag named {taken!r} already exists.")


def _valid_name(name: str | None) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise ValidationError("Give the tag a name.")
    if len(clean) > MAX_NAME:
        raise ValidationError(f"A tag name can have at most {MAX_NAME} characters.")
    if not _NAME.match(clean):
        raise ValidationError("A tag name may hold letters, digits, spaces and . & + / ' - only.")
    return clean


def _valid_color(color: str | None) -> str:
    value = (color or "").strip()
    if value in PALETTE:
        return PALETTE[value]
    if not _HEX.match(value):
        raise ValidationError(f"Colour {color!r} is not a #rrggbb colour.")
    return value.lower()


def _valid_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(f"A description can have at most {MAX_DESCRIPTION} characters.")
    return text


def _snapshot(tag: Tag) -> dict[str, str]:
    return {"name": tag.name, "color": tag.color, "description": tag.description}


def _view(tag: Tag, assigned_at=None, assigned_by: str | None = None) -> TagView:  # type: ignore[no-untyped-def]
    return TagView(
        id=tag.id,
        name=tag.name,
        color=tag.color,
        description=tag.description,
        assigned_at=assigned_at,
        assigned_by=assigned_by,
    )
