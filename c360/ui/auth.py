"""The signed-in staff member of this browser session, and page-level permission gates.

Contract used by every page: ``st.session_state["actor"]`` holds the signed-in ``Actor``
(set by the sign-in flow); tests may set it directly.
"""

from __future__ import annotations

import streamlit as st

from c360.permissions import Actor, Permission

ACTOR_KEY = "actor"


def current_actor() -> Actor | None:
    """The signed-in staff member, or None."""
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def require_actor(permission: Permission | None = None) -> Actor:
    """Stop the page unless someone is signed in (and holds ``permission``)."""
    actor = current_actor()
    if actor is None:
        st.warning("Please sign in to see customer data.")
        st.stop()
    if permission is not None and not actor.can(permission):
        role = actor.role.value.replace("_", " ")
        st.error(f"Access denied: your role ({role}) cannot open this page.")
        st.stop()
    return actor
