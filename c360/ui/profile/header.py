"""Profile header (R1): avatar or initials, name, contact, status, tier, tags, segments; metrics."""

from __future__ import annotations

import html

import streamlit as st

from c360.models.enums import CustomerStatus
from c360.ui.profile.context import ProfileContext
from c360.ui.profile.format import chip, label, usd, when

STATUS_BADGE = {
    CustomerStatus.ACTIVE: "green",
    CustomerStatus.INACTIVE: "gray",
    CustomerStatus.SUSPENDED: "orange",
    CustomerStatus.CLOSED: "red",
}
TIER_BADGE = {"BRONZE": "orange", "SILVER": "gray", "GOLD": "yellow", "PLATINUM": "violet"}

PROFILE_CSS = """
<style>
.c360-avatar { width: 72px; height: 72px; border-radius: 50%; background: #1e3a8a; color: #fff;
  display: flex; align-items: center; justify-content: center; font-size: 28px; font-weight: 600; }
.c360-chip { display: inline-block; padding: 2px 10px; margin: 2px 4px 2px 0; border-radius: 12px;
  color: #fff; font-size: 0.85rem; line-height: 1.5; }
.c360-open { color: #b91c1c; font-weight: 600; }
.c360-event { border-left: 4px solid #6b7280; padding: 2px 0 2px 12px; margin: 0 0 12px 4px;
  overflow-wrap: anywhere; }
.c360-event-meta { color: #6b7280; font-size: 0.8rem; }
/* Phones: larger touch targets, nothing wider than the screen. */
@media (max-width: 640px) {
  .stButton button, .stDownloadButton button, [data-baseweb="select"] > div { min-height: 44px; }
  [data-testid="stExpander"] summary { min-height: 44px; }
  [data-testid="stMetricValue"] { font-size: 1.4rem; }
  /* Avatar beside the name, not above it. */
  .st-key-c360_identity [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; }
  .st-key-c360_identity [data-testid="stColumn"] { min-width: 0 !important; }
  .st-key-c360_identity [data-testid="stColumn"]:first-child { flex: 0 0 64px !important; }
  .st-key-c360_identity .st-key-c360_badges { flex-wrap: wrap !important; }
  .st-key-c360_identity h2 { font-size: 1.6rem; }
  .c360-avatar { width: 56px; height: 56px; font-size: 22px; }
  /* Metric cards two to a row; lifetime value keeps a full row of its own. */
  .st-key-c360_metrics [data-testid="stColumn"] { min-width: calc(50% - 0.5rem) !important;
    flex: 1 1 calc(50% - 0.5rem) !important; }
  .st-key-c360_metrics [data-testid="stColumn"]:has(.st-key-c360_ltv) { min-width: 100% !important;
    flex-basis: 100% !important; }
  .main .block-container, [data-testid="stMainBlockContainer"] { padding-left: 0.75rem;
    padding-right: 0.75rem; }
}
</style>
"""


def render_styles() -> None:
    """The small amount of CSS the profile needs (avatar, chips, touch sizes)."""
    st.markdown(PROFILE_CSS, unsafe_allow_html=True)


def render_header(ctx: ProfileContext) -> None:
    """Who the customer is, at a glance."""
    p = ctx.view.profile
    with st.container(key="c360_identity"):
        _identity(ctx)
    if p.tags:
        st.markdown("".join(chip(t.name, t.color) for t in p.tags), unsafe_allow_html=True)
    if p.segments:
        st.caption("Segments: " + ", ".join(_markdown_text(s.name) for s in p.segments))


def _identity(ctx: ProfileContext) -> None:
    p = ctx.view.profile
    avatar, about = st.columns([1, 9], vertical_alignment="center")
    with avatar:
        if p.avatar_url and p.avatar_url.startswith(("https://", "http://")):
            st.image(p.avatar_url, width=72)
        else:
            st.markdown(
                f'<div class="c360-avatar" aria-label="initials">{html.escape(p.initials)}</div>',
                unsafe_allow_html=True,
            )
    with about:
        st.markdown(f"## {_markdown_text(p.name)}")
        badges = st.container(horizontal=True, key="c360_badges")
        with badges:
            st.badge(label(p.status), color=STATUS_BADGE.get(p.status, "gray"))
            if p.loyalty_tier:
                st.badge(
                    f"{label(p.loyalty_tier)} tier",
                    color=TIER_BADGE.get(p.loyalty_tier.value, "blue"),
                )
            st.badge(f"Customer since {when(p.registered_at)}", color="gray")
        contact = " · ".join(
            part
            for part in (
                f"✉️ {p.email}" if p.email else "No e-mail on file",
                f"📞 {p.phone}" if p.phone else "No phone on file",
                f"Account manager: {p.account_manager}" if p.account_manager else None,
            )
            if part
        )
        st.text(contact)


def render_addresses(ctx: ProfileContext) -> None:
    """Every saved address, the default marked."""
    addresses = ctx.view.profile.addresses
    if not addresses:
        st.caption("No saved addresses.")
        return
    for a in addresses:
        lines = ", ".join(x for x in (a.line1, a.line2, a.city, a.postal_code, a.country) if x)
        default = " — **default**" if a.is_default else ""
        st.markdown(f"**{_markdown_text(label(a.label))}**: {_markdown_text(lines)}{default}")


def render_metrics(ctx: ProfileContext) -> None:
    """Metric cards, lifetime value first."""
    mx = ctx.view.metrics
    days = "—" if mx.days_since_last_purchase is None else f"{mx.days_since_last_purchase:,}"
    cards = [
        ("Lifetime value", usd(mx.lifetime_value), "Sum of delivered and completed orders"),
        ("Orders", f"{mx.total_orders:,}", f"{mx.completed_orders:,} delivered or completed"),
        ("Average order value", usd(mx.average_order_value), "Lifetime value per kept order"),
        ("Total spent", usd(mx.total_spent), "Paid, shipped, delivered and completed orders"),
        ("Days since last purchase", days, None),
        ("Orders per month", f"{mx.purchase_frequency_per_month:.2f}", "Kept orders per month"),
        ("Tenure", f"{mx.tenure_days:,} days", None),
    ]
    first, *rest = cards
    with st.container(key="c360_metrics"):
        _metric_rows(first, rest)


def _metric_rows(
    first: tuple[str, str, str | None], rest: list[tuple[str, str, str | None]]
) -> None:
    row = st.columns([2, 1, 1])
    with row[0], st.container(key="c360_ltv"):
        st.metric(first[0], first[1], help=first[2], border=True)
    for column, (title, value, hint) in zip(row[1:], rest[:2], strict=True):
        with column:
            st.metric(title, value, help=hint, border=True)
    more = st.columns(4)
    for column, (title, value, hint) in zip(more, rest[2:], strict=True):
        with column:
            st.metric(title, value, help=hint, border=True)


def _markdown_text(text: str) -> str:
    """User text made inert for st.markdown: no formatting characters interpreted."""
    specials = "\\`*_{}[]<>()#+-.!|~$"
    return "".join(f"\\{c}" if c in specials else c for c in text)
