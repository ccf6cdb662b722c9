"""Tag chips on the profile, coloured from the catalogue, with add and remove."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from sqlalchemy import Engine

from c360 import tags
from c360.errors import C360Error
from c360.permissions import Actor, Permission
from c360.ui.actions import flash
from c360.views import Tag


def forget_cached_tag_lists() -> None:
    """After a catalogue change: drop this process's cached search-filter choices at once.

    The search page caches its filter choices for 30 s; a new tag must be usable as a filter
    right away (R8). Other server processes still wait out that TTL.
    """
    from c360.ui import search as search_ui

    cached = getattr(search_ui, "_choices", None)
    if callable(getattr(cached, "clear", None)):
        cached.clear()


def chips(shown: Sequence[Tag]) -> None:
    """The tags as coloured badges (the badge escapes the name: it is text, never markup)."""
    if not shown:
        st.caption("No tags.")
        return
    with st.container(horizontal=True, gap="small"):
        for tag in shown:
            st.badge(tag.name, color=tags.palette_name(tag.color), help=tag.description or None)


def tag_editor(
    engine: Engine, actor: Actor, customer_id: int, shown: Sequence[Tag], show_chips: bool = True
) -> None:
    """Chips plus, for staff who act on customers, a popover to add or remove tags."""
    if show_chips:
        chips(shown)
    if not actor.can(Permission.ACT_ON_CUSTOMERS):
        return
    assigned = {t.id for t in shown}
    with st.popover("🏷️ Edit tags"):
        catalogue = [t for t in tags.list_tags(engine) if t.id not in assigned]
        if catalogue:
            choice = st.selectbox(
                "Add a tag",
                catalogue,
                format_func=lambda t: t.name,
                key=f"tag_choice_{customer_id}",
            )
            if st.button("Add tag", key=f"tag_add_{customer_id}", type="primary"):
                _apply(tags.assign_tag, actor, engine, customer_id, choice, "Tagged")
        else:
            st.caption("Every tag of the catalogue is on this customer.")
        for tag in shown:
            if st.button(f"Remove “{tag.name}”", key=f"tag_remove_{customer_id}_{tag.id}"):
                _apply(tags.remove_tag, actor, engine, customer_id, tag, "Removed tag")


def _apply(change, actor: Actor, engine: Engine, customer_id: int, tag: Tag, verb: str) -> None:  # type: ignore[no-untyped-def]
    try:
        changed = change(actor, engine, customer_id, tag.id)
    except C360Error as exc:
        st.error(str(exc))
        return
    # Another session may have done the same a moment ago: say so rather than fail.
    flash("success" if changed else "info", f"{verb} “{tag.name}”." if changed else "Already done.")
    st.rerun()
