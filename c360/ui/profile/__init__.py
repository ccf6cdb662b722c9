"""The Customer 360 page's renderers: header, metric cards, gauges and the sections.

``pages/customer.py`` calls these in order. Other features add their blocks between them
with one line each, taking the same ``ProfileContext`` (see the hook comments in the page).
"""

from __future__ import annotations

import streamlit as st

from c360.errors import C360Error, NotFound
from c360.permissions import Actor
from c360.profile import build_customer_360
from c360.ui.db import engine
from c360.ui.profile.context import ProfileContext
from c360.ui.profile.gauges import render_churn, render_health
from c360.ui.profile.header import render_addresses, render_header, render_metrics, render_styles
from c360.ui.profile.sections import (
    render_behaviour,
    render_loyalty,
    render_marketing,
    render_orders,
    render_payments,
    render_support,
)
from c360.ui.profile.timeline import render_timeline

# The sections in display order: (heading, renderer, open by default).
SECTIONS = (
    ("Orders", render_orders, True),
    ("Loyalty", render_loyalty, False),
    ("Marketing", render_marketing, False),
    ("Support", render_support, False),
    ("Payments", render_payments, False),
    ("Timeline", render_timeline, False),
    ("Behaviour", render_behaviour, False),
)

__all__ = [
    "SECTIONS",
    "ProfileContext",
    "customer_id_from_query",
    "customer_picker",
    "load_context",
    "render_addresses",
    "render_header",
    "render_metrics",
    "render_scores",
    "render_sections",
    "render_styles",
]


def customer_id_from_query(raw: str | None) -> int | None:
    """The customer id in ``?id=``; shows a clear message and returns None when it is bad."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if not text.isdigit() or int(text) <= 0 or len(text) > 18:
        st.error(f"“{text[:40]}” is not a customer id. Find the customer below instead.")
        return None
    return int(text)


def load_context(actor: Actor, customer_id: int) -> ProfileContext | None:
    """Build the view; on an unknown id show a clear message and return None."""
    try:
        view = build_customer_360(engine(), actor, customer_id)
    except NotFound:
        st.error(f"No customer has the id {customer_id}. It may have been deleted.")
        return None
    except C360Error as exc:
        st.error(str(exc))
        return None
    return ProfileContext(engine=engine(), actor=actor, view=view)


def render_scores(ctx: ProfileContext) -> None:
    """Health and churn gauges side by side (stacked on a phone)."""
    health, churn = st.columns(2)
    with health:
        render_health(ctx.view.health)
    with churn:
        render_churn(ctx.view.churn)


def render_sections(ctx: ProfileContext) -> None:
    """Every section as a collapsible block with its SPEC heading."""
    if ctx.view.support.open_tickets:
        st.warning(
            f"{ctx.view.support.open_tickets} open support ticket(s): see Support below.",
            icon="🎫",
        )
    for heading, render, expanded in SECTIONS:
        with st.expander(heading, expanded=expanded):
            render(ctx)


def customer_picker(actor: Actor) -> None:
    """No customer chosen: a small search box that opens a customer on this page."""
    from c360.db import session_factory
    from c360.search import search_customers
    from c360.views import CustomerSearchParams

    st.subheader("Open a customer")
    query = st.text_input(
        "Find a customer by name, e-mail, phone or order number",
        key="c360_profile_picker",
        placeholder="e.g. Ada Lovelace or ada@example.com",
    )
    if not query.strip():
        st.caption("Type at least a few letters; the Search page has every filter.")
        return
    try:
        with session_factory(engine())() as session:
            result = search_customers(
                actor, session, CustomerSearchParams(query=query.strip(), page_size=10)
            )
    except C360Error as exc:
        st.error(str(exc))
        return
    if not result.rows:
        st.info("No customer matches that.")
        return
    st.caption(f"{result.total:,} match(es); the first {len(result.rows)} are shown.")
    for row in result.rows:
        if st.button(
            f"{row.name} · {row.email or 'no e-mail'}", key=f"c360_pick_{row.id}", width="stretch"
        ):
            st.query_params["id"] = str(row.id)
            st.rerun()
