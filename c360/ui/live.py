"""Live updates (R18): a fragment polls the customer's change marker and reruns the page.

Each open browser session runs its own fragment, so every viewer of a customer sees another
session's or process's writes within ``interval`` seconds plus the page's own run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy import Engine

from c360.live import change_marker

if TYPE_CHECKING:
    from c360.ui.profile.context import ProfileContext

POLL_SECONDS = 1.0
MARKER_KEY = "c360_live_marker"


def remember_marker(engine: Engine, customer_id: int) -> None:
    """Record the marker before the page reads its data, so no change in between is missed."""
    st.session_state[MARKER_KEY] = (customer_id, change_marker(engine, customer_id))


# While one of these is set the user is typing in a dialog or an edit form: a rerun could
# disturb them, so the page waits and catches up as soon as they finish (which reruns anyway).
EDITING_KEYS = ("c360_open_action", "c360_editing_note", "c360_deleting_note")


@st.fragment(run_every=POLL_SECONDS)
def _poll(engine: Engine, customer_id: int) -> None:
    if any(st.session_state.get(key) for key in EDITING_KEYS):
        st.caption("● Live updates paused while a form is open.")
        return
    current = (customer_id, change_marker(engine, customer_id))
    previous = st.session_state.get(MARKER_KEY)
    st.session_state[MARKER_KEY] = current
    if previous is not None and previous != current:
        st.rerun()  # the whole page: every section shows the new data
    st.caption("● Live: changes by others appear within seconds.")


def live_updates(engine: Engine, customer_id: int) -> None:
    """Start polling; call ``remember_marker`` at the top of the page, this anywhere after."""
    _poll(engine, customer_id)


def render_live(ctx: ProfileContext) -> None:
    """The live-update fragment for the customer on the page."""
    live_updates(ctx.engine, ctx.customer_id)
