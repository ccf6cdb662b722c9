"""The notes section: list (author, time, edited), add, edit your own, delete with confirmation.

Note text is rendered with ``st.markdown``, which escapes HTML: a note can format text but
can never inject markup or script. (Never ``unsafe_allow_html`` or ``st.html`` for user text.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy import Engine

from c360 import notes
from c360.errors import C360Error
from c360.permissions import Actor, Permission
from c360.ui.actions import OPEN_KEY, VISIBILITY_LABELS, flash
from c360.views import CustomerNote

if TYPE_CHECKING:
    from c360.ui.profile.context import ProfileContext

EDIT_KEY = "c360_editing_note"
CONFIRM_KEY = "c360_deleting_note"


def render_notes(ctx: ProfileContext) -> None:
    """The notes section of the profile page."""
    st.subheader("Notes")
    notes_section(ctx.engine, ctx.actor, ctx.customer_id, ctx.view.notes)


def _when(note: CustomerNote) -> str:
    text = f"{note.created_at:%Y-%m-%d %H:%M} UTC"
    if note.edited_at:
        text += f" · edited {note.edited_at:%Y-%m-%d %H:%M} UTC"
    return text


def notes_section(
    engine: Engine, actor: Actor, customer_id: int, shown: Sequence[CustomerNote]
) -> None:
    """Every note ``actor`` may read (already filtered by the query), with the allowed actions."""
    can_act = actor.can(Permission.ACT_ON_CUSTOMERS)
    ids = {note.id for note in shown}
    for key in (EDIT_KEY, CONFIRM_KEY):  # forget edits of notes no longer on this page
        if st.session_state.get(key) is not None and st.session_state[key] not in ids:
            st.session_state.pop(key)
    if can_act and st.button("📝 Add a note", key=f"notes_add_{customer_id}"):
        # Opens the quick-action dialog (rendered by c360.ui.actions.quick_actions).
        st.session_state[OPEN_KEY] = (customer_id, "note")
        st.rerun()
    if not shown:
        st.caption("No notes yet.")
    for note in shown:
        with st.container(border=True):
            author = note.author or "former staff member"
            st.caption(f"**{author}** · {_when(note)} · {VISIBILITY_LABELS[note.visibility]}")
            if st.session_state.get(EDIT_KEY) == note.id:
                _edit_form(engine, actor, note)
            else:
                st.markdown(note.content)
            if can_act:
                _note_buttons(engine, actor, note)


def _note_buttons(engine: Engine, actor: Actor, note: CustomerNote) -> None:
    own = note.author_id == actor.id
    may_delete = own or actor.can(Permission.MODERATE_NOTES)
    if st.session_state.get(CONFIRM_KEY) == note.id:
        st.warning("Delete this note for good?")
        yes, no = st.columns(2)
        if yes.button("Yes, delete", key=f"note_delete_yes_{note.id}", type="primary"):
            st.session_state.pop(CONFIRM_KEY, None)
            try:
                notes.delete_note(actor, engine, note.id)
            except C360Error as exc:
                st.error(str(exc))
                return
            flash("success", "Note deleted.")
            st.rerun()
        if no.button("Cancel", key=f"note_delete_no_{note.id}"):
            st.session_state.pop(CONFIRM_KEY, None)
            st.rerun()
        return
    left, right, _ = st.columns([1, 1, 6])
    editing = st.session_state.get(EDIT_KEY) == note.id
    if own and not editing and left.button("Edit", key=f"note_edit_{note.id}"):
        st.session_state[EDIT_KEY] = note.id
        st.rerun()
    if may_delete and right.button("Delete", key=f"note_delete_{note.id}"):
        st.session_state[CONFIRM_KEY] = note.id
        st.rerun()


def _edit_form(engine: Engine, actor: Actor, note: CustomerNote) -> None:
    with st.form(f"note_edit_form_{note.id}"):
        content = st.text_area("Note (Markdown)", note.content, height=120)
        options = list(VISIBILITY_LABELS)
        visibility = st.radio(
            "Who can read it",
            options,
            index=options.index(note.visibility),
            format_func=VISIBILITY_LABELS.__getitem__,
            horizontal=True,
        )
        save, cancel = st.columns(2)
        saved = save.form_submit_button("Save", type="primary")
        cancelled = cancel.form_submit_button("Cancel")
    if cancelled:
        st.session_state.pop(EDIT_KEY, None)
        st.rerun()
    if saved:
        try:
            notes.edit_note(actor, engine, note.id, content, visibility)
        except C360Error as exc:
            st.error(str(exc))
            return
        st.session_state.pop(EDIT_KEY, None)
        flash("success", "Note saved.")
        st.rerun()
