"""Notes: author and time kept, edit own only, delete by author or manager, per-role visibility."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from c360 import notes
from c360.db import session_factory
from c360.errors import NotFound, PermissionDenied, ValidationError
from c360.models import ActivityLog, CustomerNote, NoteVisibility, StaffRole
from c360.permissions import Actor
from tests import factories


@pytest.fixture
def customer_id(engine: Engine) -> int:
    with session_factory(engine)() as s:
        cid = factories.customer(s, name="Nora Notes").id
        s.commit()
        return cid


@pytest.fixture
def second_account_manager(engine: Engine) -> Actor:
    with session_factory(engine)() as s:
        user = factories.staff(s, StaffRole.ACCOUNT_MANAGER)
        s.commit()
        return factories.actor_of(user)


def _listed(engine: Engine, actor: Actor, customer_id: int) -> list[str]:
    with session_factory(engine)() as s:
        return [n.content for n in notes.list_notes(actor, s, customer_id)]


def _count(engine: Engine, model: type, **filters: object) -> int:
    with session_factory(engine)() as s:
        query = select(func.count()).select_from(model)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return int(s.scalar(query) or 0)


def test_adding_a_note_records_the_author_and_time_and_an_audit_row(engine, actors, customer_id):
    am = actors[StaffRole.ACCOUNT_MANAGER]
    note = notes.add_note(am, engine, customer_id, "Prefers **phone** calls")
    assert note.author == am.name and note.author_id == am.id
    assert note.created_at is not None and note.edited_at is None
    with session_factory(engine)() as s:
        row = s.scalars(select(ActivityLog).where(ActivityLog.action == "note.added")).one()
    assert row.actor_id == am.id and row.customer_id == customer_id
    assert row.after["content"] == "Prefers **phone** calls"


@pytest.mark.parametrize("content", ["", "   ", "x" * (notes.MAX_NOTE_LENGTH + 1)])
def test_an_empty_or_oversized_note_is_refused_and_nothing_is_written(
    engine, actors, customer_id, content
):
    with pytest.raises(ValidationError):
        notes.add_note(actors[StaffRole.ACCOUNT_MANAGER], engine, customer_id, content)
    assert _count(engine, CustomerNote) == 0 and _count(engine, ActivityLog) == 0


def test_an_analyst_cannot_add_a_note(engine, actors, customer_id):
    with pytest.raises(PermissionDenied):
        notes.add_note(actors[StaffRole.ANALYST], engine, customer_id, "hello")
    assert _count(engine, CustomerNote) == 0


def test_a_note_on_a_missing_customer_is_refused(engine, actors):
    with pytest.raises(NotFound):
        notes.add_note(actors[StaffRole.ACCOUNT_MANAGER], engine, 999_999, "hello")


def test_visibility_shows_each_note_only_to_those_allowed(
    engine, actors, customer_id, second_account_manager
):
    author = actors[StaffRole.ACCOUNT_MANAGER]
    notes.add_note(author, engine, customer_id, "for all", NoteVisibility.EVERYONE)
    notes.add_note(author, engine, customer_id, "for managers", NoteVisibility.MANAGERS)
    notes.add_note(author, engine, customer_id, "private", NoteVisibility.PRIVATE)

    assert sorted(_listed(engine, author, customer_id)) == ["for all", "for managers", "private"]
    assert _listed(engine, second_account_manager, customer_id) == ["for all"]
    assert _listed(engine, actors[StaffRole.ANALYST], customer_id) == ["for all"]
    for role in (StaffRole.MANAGER, StaffRole.ADMIN):
        assert sorted(_listed(engine, actors[role], customer_id)) == ["for all", "for managers"]


def test_the_author_edits_their_note_and_the_edit_time_is_recorded(engine, actors, customer_id):
    author = actors[StaffRole.ACCOUNT_MANAGER]
    note = notes.add_note(author, engine, customer_id, "first draft")
    edited = notes.edit_note(author, engine, note.id, "second draft", NoteVisibility.PRIVATE)
    assert edited.content == "second draft" and edited.visibility == NoteVisibility.PRIVATE
    assert edited.edited_at is not None and edited.edited_at >= note.created_at
    with session_factory(engine)() as s:
        row = s.scalars(select(ActivityLog).where(ActivityLog.action == "note.edited")).one()
    assert row.before["content"] == "first draft" and row.after["content"] == "second draft"


def test_nobody_edits_someone_elses_note_not_even_a_manager(
    engine, actors, customer_id, second_account_manager
):
    note = notes.add_note(actors[StaffRole.ACCOUNT_MANAGER], engine, customer_id, "mine")
    for other in (second_account_manager, actors[StaffRole.MANAGER]):
        with pytest.raises(PermissionDenied):
            notes.edit_note(other, engine, note.id, "changed by someone else")
    assert _listed(engine, actors[StaffRole.ACCOUNT_MANAGER], customer_id) == ["mine"]


def test_the_author_can_delete_their_note(engine, actors, customer_id):
    author = actors[StaffRole.ACCOUNT_MANAGER]
    note = notes.add_note(author, engine, customer_id, "to be deleted")
    notes.delete_note(author, engine, note.id)
    assert _count(engine, CustomerNote) == 0
    assert _count(engine, ActivityLog, action="note.deleted") == 1


def test_a_manager_can_delete_someone_elses_note_but_a_peer_cannot(
    engine, actors, customer_id, second_account_manager
):
    note = notes.add_note(actors[StaffRole.ACCOUNT_MANAGER], engine, customer_id, "rude remark")
    with pytest.raises(PermissionDenied):
        notes.delete_note(second_account_manager, engine, note.id)
    assert _count(engine, CustomerNote) == 1
    notes.delete_note(actors[StaffRole.MANAGER], engine, note.id)
    assert _count(engine, CustomerNote) == 0


def test_a_private_note_is_hidden_from_a_manager_even_when_addressed_by_id(
    engine, actors, customer_id
):
    note = notes.add_note(
        actors[StaffRole.ACCOUNT_MANAGER], engine, customer_id, "secret", NoteVisibility.PRIVATE
    )
    with pytest.raises(NotFound):
        notes.delete_note(actors[StaffRole.MANAGER], engine, note.id)
    assert _count(engine, CustomerNote) == 1
