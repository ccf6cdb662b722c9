"""The Timeline section (R7): type and date filters, a vertical stream, load more, a chart."""

from __future__ import annotations

import html
from datetime import date

import streamlit as st

from c360.errors import C360Error
from c360.timeline import (
    KINDS,
    TimelineGroup,
    activity_by_month,
    group_repeats,
    timeline_page,
    timeline_staff,
)
from c360.ui.profile import charts
from c360.ui.profile.context import ProfileContext
from c360.ui.profile.format import safe_colour, when
from c360.views import TimelineEvent

KIND_ICONS = {
    "order": "🛒",
    "ticket": "🎫",
    "loyalty": "⭐",
    "marketing": "📣",
    "note": "📝",
    "tag": "🏷️",
    "account": "👤",
}


def _filters(ctx: ProfileContext) -> tuple[list[str], date | None, date | None]:
    kinds = st.pills(
        "Types",
        list(KINDS),
        selection_mode="multi",
        default=list(KINDS),
        format_func=lambda k: f"{KIND_ICONS[k]} {KINDS[k]}",
        key=ctx.key("timeline_kinds"),
    )
    picked = st.date_input(
        "Date range", value=(), key=ctx.key("timeline_dates"), format="YYYY-MM-DD"
    )
    start = end = None
    if isinstance(picked, tuple | list):
        if len(picked) >= 1:
            start = picked[0]
        if len(picked) == 2:
            end = picked[1]
    elif isinstance(picked, date):
        start = picked
    return list(kinds or []), start, end


def _staff_filter(ctx: ProfileContext) -> list[int] | None:
    """B7: only what these staff members did (None: everyone and everything)."""
    people = dict(timeline_staff(ctx.engine, ctx.actor, ctx.customer_id))
    if not people:
        return None
    picked = st.multiselect(
        "Done by (staff)",
        list(people),
        format_func=people.__getitem__,
        key=ctx.key("timeline_staff"),
        placeholder="Anyone (and the customer)",
    )
    return list(picked) or None


def _item_html(item: TimelineEvent | TimelineGroup) -> str:
    """An event, or a run of like events (B7) as one line: "4 × …, newest first"."""
    if isinstance(item, TimelineEvent):
        return _event_html(item)
    first = item.first
    since = when(item.oldest_at, with_time=True)
    return _event_html(
        TimelineEvent(
            kind=first.kind,
            occurred_at=first.occurred_at,
            description=f"{item.count} × {first.description} (and similar since {since} UTC)",
            actor=first.actor,
            key=first.key,
        )
    )


def _event_html(event: TimelineEvent) -> str:
    """One event as a line of a vertical timeline; every piece of text is escaped."""
    icon = KIND_ICONS.get(event.kind, "•")
    colour = safe_colour(charts.KIND_COLOURS.get(event.kind))
    moment = when(event.occurred_at, with_time=True)
    meta = f"{icon} {KINDS.get(event.kind, event.kind)} · {moment} UTC"
    if event.actor:
        meta += f" · by {event.actor}"
    return (
        f'<div class="c360-event" style="border-left-color:{colour}">'
        f'<div class="c360-event-meta">{html.escape(meta)}</div>'
        f"<div>{html.escape(event.description)}</div></div>"
    )


@st.fragment
def render_timeline(ctx: ProfileContext) -> None:
    """Newest first; filters re-query in SQL; "Load more" follows the keyset cursor."""
    kinds, start, end = _filters(ctx)
    staff_ids = _staff_filter(ctx)
    if not kinds:
        st.info("Choose at least one type to see events.")
        return
    state_key = ctx.key("timeline_more")
    filters = (tuple(kinds), start, end, tuple(staff_ids or ()))
    try:
        # The first page is read on every run, so new events show at once; pages added with
        # "Load more" are kept (for the same filters) and follow on without repeats.
        chosen = {"kinds": kinds, "start": start, "end": end, "staff_ids": staff_ids}
        first = timeline_page(ctx.engine, ctx.actor, ctx.customer_id, **chosen)
        counts = activity_by_month(ctx.engine, ctx.actor, ctx.customer_id, **chosen)
    except C360Error as exc:
        st.error(str(exc))
        return
    state = st.session_state.get(state_key)
    if state is None or state["filters"] != filters:
        state = {"filters": filters, "events": [], "cursor": first.next_cursor}
        st.session_state[state_key] = state
    seen: set[str] = set()
    events = []
    for event in [*first.events, *state["events"]]:
        if event.key not in seen:
            seen.add(event.key)
            events.append(event)
    if counts:
        st.plotly_chart(
            charts.activity_over_time(counts),
            config=charts.CHART_CONFIG,
            key=ctx.key("activity_chart"),
        )
    if not events:
        st.info("Nothing happened in this period for the chosen types.")
        return
    total = sum(c.count for c in counts)
    st.caption(f"Showing {len(events):,} of {total:,} events, newest first")
    st.markdown("".join(_item_html(e) for e in group_repeats(events)), unsafe_allow_html=True)
    if state["cursor"] and st.button(
        "Load more", key=ctx.key("timeline_load_more"), width="stretch"
    ):
        try:
            page = timeline_page(
                ctx.engine, ctx.actor, ctx.customer_id, cursor=state["cursor"], **chosen
            )
        except C360Error as exc:
            st.error(str(exc))
            return
        state["events"].extend(page.events)
        state["cursor"] = page.next_cursor
        st.rerun(scope="fragment")
