"""Staff notes on a customer: add, edit your own, delete (author or moderator), per-role visibility.

Visibility: ``everyone`` (anyone who may view customers), ``managers`` (the author and staff who
may moderate notes), ``private`` (the author only). Every query here filters by the actor, so a
note is never read by someone who may not see it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Engine, and_, or_, select
from sqlalchemy.orm import Session

from c360 import audit
from c360.db import transaction
from c360.errors import NotFound, PermissionDenied, ValidationError
from c360.models import Customer, CustomerNote, NoteVisibility, StaffUser, utcnow
from c360.permissions import Actor, Permission, requires
from c360.views import CustomerNote as NoteView

MAX_NOTE_LENGTH = 10_000


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the notes ``actor`` may read (reuse it in any query over customer_notes)."""
    own = CustomerNote.author_id == actor.id
    shared = [CustomerNote.visibility == NoteVisibility.EVERYONE]
    if actor.can(Permission.MODERATE_NOTES):
        shared.append(CustomerNote.visibility == NoteVisibility.MANAGERS)
    return or_(own, *shared)


def may_read(actor: Actor, note: CustomerNote) -> bool:
    """True when ``actor`` may read ``note`` (the Python twin of ``visible_to``)."""
    if note.author_id == actor.id or note.visibility == NoteVisibility.EVERYONE:
        return True
    return note.visibility == NoteVisibility.MANAGERS and actor.can(Permission.MODERATE_NOTES)


@requires(Permission.VIEW_CUSTOMERS)
def list_notes(
    actor: Actor, session: Session, customer_id: int, limit: int = 200
) -> tuple[NoteView, ...]:
    """The notes on ``customer_id`` that ``actor`` may read, newest first."""
    rows = session.execute(
        select(CustomerNote, StaffUser.name)
        .outerjoin(StaffUser, StaffUser.id == CustomerNote.author_id)
        .where(and_(CustomerNote.customer_id == customer_id, visible_to(actor)))
        .order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
        .limit(limit)
    ).all()
    return tuple(_view(note, author) for note, author in rows)


@requires(Permission.ACT_ON_CUSTOMERS)
def add_note(
    actor: Actor,
    engine: Engine,
    customer_id: int,
    content: str,
    visibility: NoteVisibility | str = NoteVisibility.EVERYONE,
) -> NoteView:
    """Record a note by ``actor`` now; audited in the same transaction."""
    text = _valid_content(content)
    level = _valid_visibility(visibility)
    with transaction(engine) as session:
        _require_customer(session, customer_id)
        note = CustomerNote(
            customer_id=customer_id,
            author_id=actor.id,
            content=text,
            visibility=level,
            created_at=utcnow(),
        )
        session.add(note)
        session.flush()
        audit.record(
            session,
            actor,
            "note.added",
            entity_type="customer_note",
            entity_id=note.id,
            customer_id=customer_id,
            summary=f"Added a note ({level.value})",
            after=_snapshot(note),
        )
        return _view(note, actor.name)


@requires(Permission.ACT_ON_CUSTOMERS)
def edit_note(
    actor: Actor,
    engine: Engine,
    note_id: int,
    content: str,
    visibility: NoteVisibility | str | None = None,
) -> NoteView:
    """Change the text (and optionally visibility) of ``actor``'s own note; sets updated_at."""
    text = _valid_content(content)
    with transaction(engine) as session:
        note = _readable_note(session, actor, note_id, for_update=True)
        if note.author_id != actor.id:
            raise PermissionDenied("Access denied: you can only edit notes you wrote.")
        before = _snapshot(note)
        note.content = text
        if visibility is not None:
            note.visibility = _valid_visibility(visibility)
        note.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "note.edited",
            entity_type="customer_note",
            entity_id=note.id,
            customer_id=note.customer_id,
            summary="Edited a note",
            before=before,
            after=_snapshot(note),
        )
        return _view(note, actor.name)


@requires(Permission.ACT_ON_CUSTOMERS)
def delete_note(actor: Actor, engine: Engine, note_id: int) -> None:
    """Delete a note: its author may, and so may staff who moderate notes."""
    with transaction(engine) as session:
        note = _readable_note(session, actor, note_id, for_update=True)
        if note.author_id != actor.id and not actor.can(Permission.MODERATE_NOTES):
            raise PermissionDenied(
                "Access denied: only the note's author or a manager can delete it."
            )
        before = _snapshot(note)
        customer_id = note.customer_id
        session.delete(note)
        audit.record(
            session,
            actor,
            "note.deleted",
            entity_type="customer_note",
            entity_id=note_id,
            customer_id=customer_id,
            summary="Deleted a note",
            before=before,
        )


def _readable_note(
    session: Session, actor: Actor, note_id: int, *, for_update: bool = False
) -> CustomerNote:
    note = session.get(CustomerNote, note_id, with_for_update=for_update)
    # A note the actor may not read is reported as missing: its existence is not disclosed.
    if note is None or not may_read(actor, note):
        raise NotFound("That note no longer exists.")
    return note


def _require_customer(session: Session, customer_id: int) -> None:
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"Customer {customer_id} does not exist.")


def _valid_content(content: str | None) -> str:
    text = (content or "").strip()
    if not text:
        raise ValidationError("Write something in the note first; it is empty.")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            f"A note can hold at most {MAX_NOTE_LENGTH:,} characters; this one has {len(text):,}."
        )
    return text


def _valid_visibility(visibility: NoteVisibility | str) -> NoteVisibility:
    try:
        return NoteVisibility(visibility)
    except ValueError:
        allowed = ", ".join(v.value for v in NoteVisibility)
        raise ValidationError(f"Unknown visibility {visibility!r}; choose {allowed}.") from None


def _snapshot(note: CustomerNote) -> dict[str, object]:
    return {"content": note.content, "visibility": NoteVisibility(note.visibility).value}


def _view(note: CustomerNote, author: str | None) -> NoteView:
    return NoteView(
        id=note.id,
        author=author,
        author_id=note.author_id,
        content=note.content,
        visibility=NoteVisibility(note.visibility),
        created_at=note.created_at,
        edited_at=note.updated_at,
    )
