"""Quick actions on the profile (R14): buttons that open dialogs to e-mail, ticket, points, note.

Which dialog is open is kept in ``st.session_state`` (and the dialog re-opened on every run
while it is set), so a dialog survives reruns caused by its own widgets, by live updates and
in AppTest; it is cleared on success or when the dialog is dismissed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy import Engine

from c360 import actions, mail, notes
from c360.db import session_factory
from c360.errors import C360Error
from c360.models import NoteVisibility, OutboxStatus, TicketPriority
from c360.permissions import Actor, Permission

if TYPE_CHECKING:
    from c360.ui.profile.context import ProfileContext

OPEN_KEY = "c360_open_action"
FLASH_KEY = "c360_action_flash"
VISIBILITY_LABELS = {
    NoteVisibility.EVERYONE: "Everyone",
    NoteVisibility.MANAGERS: "Managers only",
    NoteVisibility.PRIVATE: "Only me",
}


def flash(kind: str, message: str) -> None:
    """Keep a message to show once after the rerun that follows an action."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show (and forget) the message left by the last action."""
    shown = st.session_state.pop(FLASH_KEY, None)
    if shown:
        kind, message = shown
        {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}[kind](
            message
        )


def _close() -> None:
    st.session_state.pop(OPEN_KEY, None)


def _done(kind: str, message: str) -> None:
    _close()
    flash(kind, message)
    st.rerun()


def _run(action: Callable[[], object]) -> object | None:
    try:
        return action()
    except C360Error as exc:
        st.error(str(exc))
        return None


@st.dialog("Send an e-mail", width="large", on_dismiss=_close)
def email_dialog(engine: Engine, actor: Actor, customer_id: int) -> None:
    """Pick a template, edit it, see the rendered text, send (or queue) it."""
    keys = list(mail.TEMPLATES)
    choice = st.selectbox(
        "Template",
        keys,
        format_func=lambda k: mail.TEMPLATES[k].label,
        key=f"email_template_{customer_id}",
    )
    template = mail.TEMPLATES[choice]
    subject = st.text_input("Subject", template.subject, key=f"email_subject_{choice}")
    body = st.text_area("Message", template.body, height=200, key=f"email_body_{choice}")
    st.caption("Placeholders: " + ", ".join("{" + name + "}" for name in mail.PLACEHOLDERS))
    with session_factory(engine)() as session:
        preview = _run(lambda: actions.preview_email(actor, session, customer_id, subject, body))
    if preview is not None:
        with st.container(border=True):
            st.caption(f"To {preview.to_address} — preview")
            st.text(preview.subject)
            st.text(preview.body)
    if st.button("Send e-mail", type="primary", disabled=preview is None):
        result = _run(
            lambda: actions.send_email(actor, engine, customer_id, subject, body, template=choice)
        )
        if result is None:
            return
        if result.status == OutboxStatus.SENT:
            _done("success", f"E-mail sent to {result.to_address}.")
        elif result.status == OutboxStatus.QUEUED:
            _done(
                "info",
                "E-mail queued in the outbox: no mail server is configured, so it has "
                "not been sent yet.",
            )
        else:
            _done("error", f"The mail server refused the e-mail (kept as failed): {result.error}")


@st.dialog("Create a support ticket", on_dismiss=_close)
def ticket_dialog(engine: Engine, actor: Actor, customer_id: int) -> None:
    """Subject, description and priority of a new ticket."""
    with st.form(f"ticket_form_{customer_id}"):
        subject = st.text_input("Subject")
        description = st.text_area("Description")
        priority = st.selectbox(
            "Priority",
            list(TicketPriority),
            index=1,
            format_func=lambda p: p.value.title(),
        )
        submitted = st.form_submit_button("Create ticket", type="primary")
    if submitted:
        ticket = _run(
            lambda: actions.create_ticket(
                actor, engine, customer_id, subject, description, priority
            )
        )
        if ticket is not None:
            _done("success", f"Ticket #{ticket.id} opened: {ticket.subject}")


@st.dialog("Adjust loyalty points", on_dismiss=_close)
def points_dialog(engine: Engine, actor: Actor, customer_id: int, balance: int | None) -> None:
    """A signed number of points and the reason, recorded in the ledger."""
    if balance is None:
        st.warning("This customer has no loyalty account.")
        return
    st.caption(f"Current balance: {balance:,} points")
    with st.form(f"points_form_{customer_id}"):
        points = st.number_input(
            "Points (negative to deduct)",
            value=0,
            step=10,
            min_value=-actions.MAX_POINTS_ADJUSTMENT,
            max_value=actions.MAX_POINTS_ADJUSTMENT,
        )
        reason = st.text_input("Reason")
        submitted = st.form_submit_button("Adjust points", type="primary")
    if submitted:
        done = _run(lambda: actions.adjust_points(actor, engine, customer_id, int(points), reason))
        if done is not None:
            _done(
                "success",
                f"Points adjusted by {done.points:+,}: the balance is now {done.balance_after:,}.",
            )


def note_form(engine: Engine, actor: Actor, customer_id: int, key: str) -> bool:
    """The add-note form (used by the dialog and the notes section); True once a note is saved."""
    with st.form(key, clear_on_submit=True):
        content = st.text_area("Note (Markdown)", height=120)
        visibility = st.radio(
            "Who can read it",
            list(VISIBILITY_LABELS),
            format_func=VISIBILITY_LABELS.__getitem__,
            horizontal=True,
        )
        submitted = st.form_submit_button("Add note", type="primary")
    if submitted:
        return (
            _run(lambda: notes.add_note(actor, engine, customer_id, content, visibility))
            is not None
        )
    return False


@st.dialog("Add a note", on_dismiss=_close)
def note_dialog(engine: Engine, actor: Actor, customer_id: int) -> None:
    """The add-note form in a dialog."""
    if note_form(engine, actor, customer_id, key=f"note_dialog_form_{customer_id}"):
        _done("success", "Note added.")


ACTIONS: dict[str, str] = {
    "email": "✉️ Send e-mail",
    "ticket": "🎫 Create ticket",
    "points": "⭐ Adjust points",
    "note": "📝 Add note",
}


def quick_actions(
    engine: Engine, actor: Actor, customer_id: int, *, points_balance: int | None
) -> None:
    """The actions bar; nothing for a role that may not act on customers."""
    if not actor.can(Permission.ACT_ON_CUSTOMERS):
        return
    columns = st.columns(len(ACTIONS))
    for column, (name, label) in zip(columns, ACTIONS.items(), strict=True):
        if column.button(label, key=f"quick_{name}", width="stretch"):
            st.session_state[OPEN_KEY] = (customer_id, name)
    opened = st.session_state.get(OPEN_KEY)
    if opened and opened[0] != customer_id:
        _close()  # left open on another customer's page: forget it
    if not opened or opened[0] != customer_id:
        return
    name = opened[1]
    if name == "email":
        email_dialog(engine, actor, customer_id)
    elif name == "ticket":
        ticket_dialog(engine, actor, customer_id)
    elif name == "points":
        points_dialog(engine, actor, customer_id, points_balance)
    elif name == "note":
        note_dialog(engine, actor, customer_id)


def render_action_bar(ctx: ProfileContext) -> None:
    """Under the profile header: last action's message, quick actions, tag editor, exports."""
    from c360.ui.export import export_buttons
    from c360.ui.tags import tag_editor

    show_flash()
    loyalty = ctx.view.loyalty
    quick_actions(
        ctx.engine,
        ctx.actor,
        ctx.customer_id,
        points_balance=loyalty.points_balance if loyalty else None,
    )
    tags_column, export_column = st.columns([1, 2])
    with tags_column:
        tag_editor(ctx.engine, ctx.actor, ctx.customer_id, ctx.view.profile.tags, show_chips=False)
    with export_column:
        export_buttons(ctx.engine, ctx.actor, ctx.customer_id)
