"""AppTest of the quick-action dialogs, the notes section and the tag catalogue page."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from c360 import notes, tags
from c360.db import make_engine, session_factory
from c360.migrate import upgrade
from c360.models import (
    CustomerNote,
    EmailOutbox,
    LoyaltyAccount,
    OutboxStatus,
    StaffRole,
    SupportTicket,
)
from c360.permissions import Actor
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
ACTIONS_SCRIPT = """
import streamlit as st
from c360.db import get_engine
from c360.ui.actions import quick_actions, show_flash
show_flash()
quick_actions(get_engine(), st.session_state["actor"], {cid}, points_balance={balance})
"""
NOTES_SCRIPT = """
import streamlit as st
from c360 import notes
from c360.db import get_engine, session_factory
from c360.ui.actions import show_flash
from c360.ui.notes import notes_section
show_flash()
actor = st.session_state["actor"]
with session_factory(get_engine())() as s:
    shown = notes.list_notes(actor, s, {cid})
notes_section(get_engine(), actor, {cid}, shown)
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, dict, int]:
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    monkeypatch.delenv("C360_SMTP_URL", raising=False)
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as s:
        people = {role: factories.actor_of(factories.staff(s, role)) for role in StaffRole}
        customer = factories.customer(s, name="Dana Dialog")
        s.add(
            LoyaltyAccount(
                customer_id=customer.id, points_balance=100, lifetime_points=100, referral_code="D1"
            )
        )
        s.commit()
        return engine, people, customer.id


def _app(script: str, actor: Actor, **values: object) -> AppTest:
    at = AppTest.from_string(script.format(**values), default_timeout=30)
    at.session_state["actor"] = actor
    return at.run()


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def _balance(engine: Engine, cid: int) -> int:
    with session_factory(engine)() as s:
        return s.scalar(
            select(LoyaltyAccount.points_balance).where(LoyaltyAccount.customer_id == cid)
        )


def test_the_points_dialog_adjusts_the_balance_and_confirms(world):
    engine, people, cid = world
    at = _app(ACTIONS_SCRIPT, people[StaffRole.ACCOUNT_MANAGER], cid=cid, balance=100)
    _button(at, "⭐ Adjust points").click().run()
    at.number_input[0].set_value(-30)
    at.text_input[0].input("Damaged item")
    at.button[-1].click().run()  # the form's submit button
    assert _balance(engine, cid) == 70
    assert any("balance is now 70" in s.value for s in at.success)


def test_an_overdraw_in_the_dialog_shows_the_reason_and_changes_nothing(world):
    engine, people, cid = world
    at = _app(ACTIONS_SCRIPT, people[StaffRole.ACCOUNT_MANAGER], cid=cid, balance=100)
    _button(at, "⭐ Adjust points").click().run()
    at.number_input[0].set_value(-500)
    at.text_input[0].input("Too much")
    at.button[-1].click().run()
    assert _balance(engine, cid) == 100
    assert any("may not go below zero" in e.value for e in at.error)


def test_the_email_dialog_queues_without_a_server_and_never_says_sent(world):
    engine, people, cid = world
    at = _app(ACTIONS_SCRIPT, people[StaffRole.ACCOUNT_MANAGER], cid=cid, balance=100)
    _button(at, "✉️ Send e-mail").click().run()
    at.selectbox[0].set_value("loyalty_update").run()
    assert any("100 points" in t.value for t in at.text)  # the rendered preview
    _button(at, "Send e-mail").click().run()
    with session_factory(engine)() as s:
        row = s.scalars(select(EmailOutbox)).one()
    assert row.status == OutboxStatus.QUEUED
    shown = " ".join(m.value for m in [*at.info, *at.success])
    assert "queued" in shown and "sent to" not in shown


def test_the_ticket_dialog_opens_a_ticket(world):
    engine, people, cid = world
    at = _app(ACTIONS_SCRIPT, people[StaffRole.ACCOUNT_MANAGER], cid=cid, balance=100)
    _button(at, "🎫 Create ticket").click().run()
    at.text_input[0].input("Wrong size delivered")
    at.button[-1].click().run()
    with session_factory(engine)() as s:
        assert s.scalars(select(SupportTicket.subject)).all() == ["Wrong size delivered"]
    assert any("Ticket #" in s.value for s in at.success)


def test_the_note_dialog_refuses_an_empty_note_then_saves_one(world):
    engine, people, cid = world
    at = _app(ACTIONS_SCRIPT, people[StaffRole.ACCOUNT_MANAGER], cid=cid, balance=100)
    _button(at, "📝 Add note").click().run()
    at.button[-1].click().run()
    assert any("empty" in e.value for e in at.error)
    at.text_area[0].input("Prefers e-mail")
    at.button[-1].click().run()
    with session_factory(engine)() as s:
        assert s.scalars(select(CustomerNote.content)).all() == ["Prefers e-mail"]


def test_an_analyst_gets_no_action_buttons(world):
    _, people, cid = world
    at = _app(ACTIONS_SCRIPT, people[StaffRole.ANALYST], cid=cid, balance=100)
    assert len(at.button) == 0


def test_note_text_is_rendered_as_markdown_without_html(world):
    engine, people, cid = world
    payload = "<script>window.pwned=1</script><img src=x onerror=alert(1)> **bold**"
    notes.add_note(people[StaffRole.ACCOUNT_MANAGER], engine, cid, payload)
    at = _app(NOTES_SCRIPT, people[StaffRole.ANALYST], cid=cid)
    [note] = [m for m in at.markdown if "onerror" in m.value]
    assert note.value == payload and note.proto.allow_html is False


def test_deleting_a_note_asks_for_confirmation_first(world):
    engine, people, cid = world
    author = people[StaffRole.ACCOUNT_MANAGER]
    notes.add_note(author, engine, cid, "Short-lived")
    at = _app(NOTES_SCRIPT, author, cid=cid)
    _button(at, "Delete").click().run()
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(CustomerNote)) == 1
    _button(at, "Yes, delete").click().run()
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(CustomerNote)) == 0


def test_only_the_author_gets_an_edit_button_and_the_edit_is_saved(world):
    engine, people, cid = world
    author, manager = people[StaffRole.ACCOUNT_MANAGER], people[StaffRole.MANAGER]
    notes.add_note(author, engine, cid, "Draft")
    manager_view = _app(NOTES_SCRIPT, manager, cid=cid)
    assert "Edit" not in [b.label for b in manager_view.button]
    assert "Delete" in [b.label for b in manager_view.button]
    at = _app(NOTES_SCRIPT, author, cid=cid)
    _button(at, "Edit").click().run()
    at.text_area[-1].input("Final text")
    _button(at, "Save").click().run()
    with session_factory(engine)() as s:
        note = s.scalars(select(CustomerNote)).one()
    assert note.content == "Final text" and note.updated_at is not None
    assert any("edited" in c.value for c in at.caption)


def test_the_tag_page_creates_and_deletes_only_after_confirmation(world):
    engine, people, _ = world
    at = AppTest.from_file(str(ROOT / "pages" / "tags.py"), default_timeout=30)
    at.session_state["actor"] = people[StaffRole.MANAGER]
    at.run()
    at.text_input[0].input("High value")
    at.button[0].click().run()  # "Create tag"
    assert [t.name for t in tags.list_tags(engine)] == ["High value"]
    assert any("search filter" in s.value for s in at.success)
    delete = _button(at, "Delete tag")
    assert delete.disabled
    at.checkbox[0].check().run()
    _button(at, "Delete tag").click().run()
    assert tags.list_tags(engine) == ()


def test_the_tag_page_is_closed_to_account_managers(world):
    _, people, _ = world
    at = AppTest.from_file(str(ROOT / "pages" / "tags.py"), default_timeout=30)
    at.session_state["actor"] = people[StaffRole.ACCOUNT_MANAGER]
    at.run()
    assert any("Access denied" in e.value for e in at.error)


def test_a_new_tag_is_offered_by_the_search_filter_at_once(world):
    _, people, _ = world
    search = AppTest.from_file(str(ROOT / "pages" / "search.py"), default_timeout=30)
    search.session_state["actor"] = people[StaffRole.MANAGER]
    search.run()  # fills the search page's cached filter choices
    catalogue = AppTest.from_file(str(ROOT / "pages" / "tags.py"), default_timeout=30)
    catalogue.session_state["actor"] = people[StaffRole.MANAGER]
    catalogue.run()
    catalogue.text_input[0].input("Brand new")
    catalogue.button[0].click().run()
    search.run()
    [tag_filter] = [m for m in search.multiselect if m.label == "Tag"]
    assert "Brand new" in [str(o) for o in tag_filter.options]


TAG_SCRIPT = """
import streamlit as st
from c360 import tags
from c360.db import get_engine
from c360.ui.actions import show_flash
from c360.ui.tags import tag_editor
show_flash()
tag_editor(get_engine(), st.session_state["actor"], {cid}, tags.customer_tags(get_engine(), {cid}))
"""


def test_the_tag_editor_adds_and_removes_a_tag_on_the_profile(world):
    engine, people, cid = world
    tag = tags.create_tag(people[StaffRole.MANAGER], engine, "Wholesale", "blue")
    at = _app(TAG_SCRIPT, people[StaffRole.ACCOUNT_MANAGER], cid=cid)
    assert any("No tags" in c.value for c in at.caption)
    _button(at, "Add tag").click().run()
    assert [t.name for t in tags.customer_tags(engine, cid)] == ["Wholesale"]
    assert any("blue-badge[Wholesale]" in m.value for m in at.markdown)  # the coloured chip
    _button(at, "Remove “Wholesale”").click().run()
    assert tags.customer_tags(engine, cid) == ()
    assert tag.name == "Wholesale"
