"""The profile sections: Orders, Loyalty, Marketing, Support, Payments, Behaviour."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from c360.errors import C360Error
from c360.models.enums import Channel, PaymentStatus
from c360.profile import order_detail, orders_page, tickets_page, transactions_page
from c360.ui.profile import charts
from c360.ui.profile.context import ProfileContext
from c360.ui.profile.format import duration, label, percent, usd, when
from c360.views import OrderSummary, PaymentView, TicketView

HIGHLIGHT_BAD = "background-color: #fee2e2; color: #7f1d1d"
HIGHLIGHT_OPEN = "background-color: #fef3c7; color: #78350f"
NO_ORDER = "Choose an order…"
NO_TICKET = "Choose a ticket…"


def _more(ctx: ProfileContext, name: str) -> list:
    """Rows fetched by "Load more" for this customer, kept across reruns."""
    return st.session_state.setdefault(ctx.key(f"{name}_more"), [])


def _unique(rows: Sequence) -> list:  # type: ignore[type-arg]
    """Rows without repeats (a new row on the first page may also be in a "more" page)."""
    seen: set[int] = set()
    out = []
    for row in rows:
        if row.id not in seen:
            seen.add(row.id)
            out.append(row)
    return out


def _cursor_key(ctx: ProfileContext, name: str) -> str:
    return ctx.key(f"{name}_cursor")


def _load_more_button(ctx: ProfileContext, name: str, first_cursor: str | None, fetch) -> None:  # type: ignore[no-untyped-def]
    """A "Load more" button that appends the next keyset page to the rows shown."""
    cursor = st.session_state.get(_cursor_key(ctx, name), first_cursor)
    if cursor is None:
        return
    if st.button("Load more", key=ctx.key(f"{name}_load_more"), width="stretch"):
        try:
            rows, next_cursor = fetch(cursor)
        except C360Error as exc:
            st.error(str(exc))
            return
        _more(ctx, name).extend(rows)
        st.session_state[_cursor_key(ctx, name)] = next_cursor
        st.rerun(scope="fragment")


# --- Orders -----------------------------------------------------------------------------------


@st.fragment
def render_orders(ctx: ProfileContext) -> None:
    """All orders newest first (a page at a time); pick one to see its items and payments."""
    view = ctx.view
    m = view.metrics
    if not view.recent_orders:
        st.info("No orders yet. Orders appear here as soon as the customer places one.")
        return
    st.caption(
        f"{m.total_orders:,} orders · revenue {usd(m.lifetime_value)} · "
        f"average order {usd(m.average_order_value)}"
    )
    orders: list[OrderSummary] = _unique([*view.recent_orders, *_more(ctx, "orders")])
    st.dataframe(
        pd.DataFrame(
            {
                "Order": [o.order_number for o in orders],
                "Date": [o.created_at for o in orders],
                "Status": [label(o.status) for o in orders],
                "Total": [float(o.total) for o in orders],
                "Items": [o.item_count for o in orders],
            }
        ),
        hide_index=True,
        column_config={
            "Date": st.column_config.DatetimeColumn(format="D MMM YYYY"),
            "Total": st.column_config.NumberColumn(format="dollar"),
        },
    )

    def fetch(cursor: str):  # type: ignore[no-untyped-def]
        page = orders_page(ctx.engine, ctx.actor, ctx.customer_id, cursor=cursor)
        return list(page.orders), page.next_cursor

    _load_more_button(ctx, "orders", view.orders_next_cursor, fetch)
    by_label = {f"{o.order_number} · {when(o.created_at)} · {usd(o.total)}": o for o in orders}
    choice = st.selectbox("Open an order", [NO_ORDER, *by_label], key=ctx.key("order_choice"))
    if choice and choice != NO_ORDER:
        _render_order_detail(ctx, by_label[choice].id)


def _render_order_detail(ctx: ProfileContext, order_id: int) -> None:
    try:
        detail = order_detail(ctx.engine, ctx.actor, ctx.customer_id, order_id)
    except C360Error as exc:
        st.error(str(exc))
        return
    o = detail.order
    with st.container(border=True):
        st.markdown(f"**Order {o.order_number}** — {label(o.status)}, {usd(o.total)}")
        st.caption(f"Placed {when(o.created_at, with_time=True)} UTC · {o.item_count} items")
        st.markdown("**Items**")
        if detail.items:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Product": [i.product_name for i in detail.items],
                        "Category": [i.category or "—" for i in detail.items],
                        "Qty": [i.quantity for i in detail.items],
                        "Unit price": [float(i.unit_price) for i in detail.items],
                        "Total": [float(i.total) for i in detail.items],
                    }
                ),
                hide_index=True,
                column_config={
                    "Unit price": st.column_config.NumberColumn(format="dollar"),
                    "Total": st.column_config.NumberColumn(format="dollar"),
                },
            )
        else:
            st.caption("This order has no item lines.")
        st.markdown("**Payments**")
        if detail.payments:
            _payments_table(detail.payments)
        else:
            st.caption("No payment recorded for this order.")


# --- Loyalty ----------------------------------------------------------------------------------


def render_loyalty(ctx: ProfileContext) -> None:
    """Tier, balance, progress to the next tier, expiring points, referrals, last transactions."""
    loyalty = ctx.view.loyalty
    if loyalty is None:
        st.info("Not a member of the loyalty programme yet.")
        return
    cols = st.columns(4)
    cols[0].metric("Tier", label(loyalty.tier))
    cols[1].metric("Points balance", f"{loyalty.points_balance:,}")
    cols[2].metric("Lifetime points", f"{loyalty.lifetime_points:,}")
    cols[3].metric(
        "Expiring in 30 days",
        f"{loyalty.points_expiring_30d:,}",
        help="Earned points whose expiry date falls within the next 30 days",
    )
    if loyalty.next_tier is None:
        st.progress(1.0, text="Top tier reached")
    else:
        st.progress(
            loyalty.progress_to_next_tier,
            text=f"{loyalty.points_to_next_tier:,} lifetime points to {label(loyalty.next_tier)}",
        )
    st.caption(f"Referral code **{loyalty.referral_code}** · {loyalty.referral_count:,} referrals")
    if loyalty.recent_transactions:
        st.dataframe(
            pd.DataFrame(
                {
                    "Date": [t.created_at for t in loyalty.recent_transactions],
                    "Kind": [label(t.kind) for t in loyalty.recent_transactions],
                    "Points": [t.points for t in loyalty.recent_transactions],
                    "Reason": [t.reason for t in loyalty.recent_transactions],
                    "Expires": [t.expires_at for t in loyalty.recent_transactions],
                }
            ),
            hide_index=True,
            column_config={
                "Date": st.column_config.DatetimeColumn(format="D MMM YYYY"),
                "Expires": st.column_config.DatetimeColumn(format="D MMM YYYY"),
            },
        )
    else:
        st.caption("No points transactions yet.")


# --- Marketing --------------------------------------------------------------------------------


def render_marketing(ctx: ProfileContext) -> None:
    """Consents, engagement rates, the last 10 campaigns and the customer's segments."""
    mk = ctx.view.marketing
    consent = st.container(horizontal=True)
    with consent:
        for channel in Channel:
            opted = mk.consents.get(channel, False)
            st.badge(
                f"{label(channel) if channel != Channel.SMS else 'SMS'}: "
                f"{'opted in' if opted else 'not opted in'}",
                color="green" if opted else "gray",
            )
    cols = st.columns(4)
    cols[0].metric(
        "Open rate",
        percent(mk.open_rate),
        help=f"{mk.messages_opened:,} of {mk.messages_sent:,} messages opened",
    )
    cols[1].metric("Click-through rate", percent(mk.click_through_rate))
    cols[2].metric("Last e-mail opened", when(mk.last_email_opened_at))
    cols[3].metric(
        "Last campaign clicked",
        mk.last_campaign_clicked or "—",
        help=when(mk.last_campaign_clicked_at) if mk.last_campaign_clicked else None,
    )
    if mk.recent_campaigns:
        st.markdown("**Last 10 campaigns received**")
        st.dataframe(
            pd.DataFrame(
                {
                    "Campaign": [c.campaign for c in mk.recent_campaigns],
                    "Channel": [label(c.channel) for c in mk.recent_campaigns],
                    "Sent": [c.sent_at for c in mk.recent_campaigns],
                    "Opened": [c.opened_at for c in mk.recent_campaigns],
                    "Clicked": [c.clicked_at for c in mk.recent_campaigns],
                }
            ),
            hide_index=True,
            column_config={
                name: st.column_config.DatetimeColumn(format="D MMM YYYY")
                for name in ("Sent", "Opened", "Clicked")
            },
        )
    else:
        st.info("No campaigns sent to this customer yet.")
    segments = ctx.view.profile.segments
    st.caption("Segments: " + (", ".join(s.name for s in segments) if segments else "none yet"))


# --- Support ----------------------------------------------------------------------------------


def _ticket_rows(tickets: Sequence[TicketView]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Ticket": [f"#{t.id}" for t in tickets],
            "Subject": [t.subject for t in tickets],
            "Status": [label(t.status) for t in tickets],
            "Priority": [label(t.priority) for t in tickets],
            "Created": [t.created_at for t in tickets],
        }
    )


@st.fragment
def render_support(ctx: ProfileContext) -> None:
    """Tickets newest first with open ones highlighted; pick one for its detail."""
    sup = ctx.view.support
    if sup.total_tickets == 0:
        st.info("No support tickets. Good news.")
        return
    cols = st.columns(4)
    cols[0].metric("Tickets", f"{sup.total_tickets:,}")
    cols[1].metric("Open", f"{sup.open_tickets:,}")
    cols[2].metric(
        "Avg resolution",
        "—" if sup.average_resolution_hours is None else f"{sup.average_resolution_hours:.1f} h",
    )
    cols[3].metric(
        "Satisfaction",
        "—" if sup.average_satisfaction is None else f"{sup.average_satisfaction:.1f} / 5",
    )
    tickets: list[TicketView] = _unique([*sup.tickets, *_more(ctx, "tickets")])
    if sup.open_tickets:
        st.warning(f"{sup.open_tickets} open ticket(s), highlighted below.")
    frame = _ticket_rows(tickets)
    open_rows = {i for i, t in enumerate(tickets) if t.is_open}
    st.dataframe(
        frame.style.apply(
            lambda row: [HIGHLIGHT_OPEN if row.name in open_rows else ""] * len(row), axis=1
        ),
        hide_index=True,
        column_config={"Created": st.column_config.DatetimeColumn(format="D MMM YYYY")},
    )

    def fetch(cursor: str):  # type: ignore[no-untyped-def]
        rows, next_cursor = tickets_page(ctx.engine, ctx.actor, ctx.customer_id, cursor=cursor)
        return list(rows), next_cursor

    _load_more_button(ctx, "tickets", sup.next_cursor, fetch)
    by_label = {f"#{t.id} · {t.subject} · {label(t.status)}": t for t in tickets}
    choice = st.selectbox("Open a ticket", [NO_TICKET, *by_label], key=ctx.key("ticket_choice"))
    if choice and choice != NO_TICKET:
        t = by_label[choice]
        with st.container(border=True):
            st.markdown(f"**Ticket #{t.id}** — {label(t.status)}, {label(t.priority)} priority")
            st.caption(
                f"Opened {when(t.created_at, with_time=True)} UTC"
                + (
                    f" · resolved {when(t.resolved_at, with_time=True)} UTC"
                    if t.resolved_at
                    else ""
                )
                + (f" · rated {t.satisfaction_rating}/5" if t.satisfaction_rating else "")
            )
            st.text(t.subject)
            st.text(t.description or "(no description)")


# --- Payments ---------------------------------------------------------------------------------


def _payments_table(payments: Sequence[PaymentView]) -> None:
    frame = pd.DataFrame(
        {
            "Date": [p.created_at for p in payments],
            "Order": [p.order_number or "—" for p in payments],
            "Amount": [float(p.amount) for p in payments],
            "Status": [label(p.status) for p in payments],
            "Method": [p.method for p in payments],
        }
    )
    flagged = {
        i
        for i, p in enumerate(payments)
        if p.status in (PaymentStatus.FAILED, PaymentStatus.REFUNDED)
    }
    st.dataframe(
        frame.style.apply(
            lambda row: [HIGHLIGHT_BAD if row.name in flagged else ""] * len(row), axis=1
        ),
        hide_index=True,
        column_config={
            "Date": st.column_config.DatetimeColumn(format="D MMM YYYY"),
            "Amount": st.column_config.NumberColumn(format="dollar"),
        },
    )


@st.fragment
def render_payments(ctx: ProfileContext) -> None:
    """Saved methods (masked by role), totals, transactions with failures highlighted."""
    pay = ctx.view.payments
    if pay.details_masked:
        st.caption("🔒 Card numbers and expiry dates are hidden for your role.")
    if pay.methods:
        for method in pay.methods:
            parts = [label(method.type), method.brand or ""]
            if method.last4:
                parts.append(f"•••• {method.last4}" if method.last4.isdigit() else method.last4)
            if method.expiry:
                parts.append(f"exp. {method.expiry}")
            flags = (" — **default**" if method.is_default else "") + (
                " — expired" if method.is_expired else ""
            )
            st.markdown("💳 " + " ".join(p for p in parts if p) + flags)
    else:
        st.caption("No saved payment methods.")
    if pay.transaction_count == 0:
        st.info("No payment transactions yet.")
        return
    cols = st.columns(3)
    cols[0].metric("Successful", usd(pay.total_successful))
    cols[1].metric("Refunded", usd(pay.total_refunded), help=f"{pay.refunded_count} refunds")
    cols[2].metric("Failed payments", f"{pay.failed_count:,}")
    payments = _unique([*pay.transactions, *_more(ctx, "payments")])
    _payments_table(payments)

    def fetch(cursor: str):  # type: ignore[no-untyped-def]
        rows, next_cursor = transactions_page(ctx.engine, ctx.actor, ctx.customer_id, cursor=cursor)
        return list(rows), next_cursor

    _load_more_button(ctx, "payments", pay.next_cursor, fetch)


# --- Behaviour --------------------------------------------------------------------------------


def render_behaviour(ctx: ProfileContext) -> None:
    """Top categories, sessions and their length, devices, preferred shopping times."""
    b = ctx.view.behaviour
    cols = st.columns(2)
    cols[0].metric("Sessions", f"{b.session_count:,}")
    cols[1].metric("Average session", duration(b.average_session_seconds))
    left, right = st.columns(2)
    with left:
        if b.most_viewed_categories:
            st.plotly_chart(
                charts.category_bars("Most viewed categories", b.most_viewed_categories, "#2563eb"),
                config=charts.CHART_CONFIG,
                key=ctx.key("viewed_chart"),
            )
        else:
            st.caption("No category views recorded.")
    with right:
        if b.most_purchased_categories:
            st.plotly_chart(
                charts.category_bars(
                    "Most purchased categories", b.most_purchased_categories, "#15803d"
                ),
                config=charts.CHART_CONFIG,
                key=ctx.key("purchased_chart"),
            )
        else:
            st.caption("No purchases with a category yet.")
    if b.session_count == 0:
        st.info("No web sessions recorded yet, so there are no devices or shopping times to show.")
        return
    left, right = st.columns([1, 2])
    with left:
        st.plotly_chart(
            charts.device_split(b.device_breakdown),
            config=charts.CHART_CONFIG,
            key=ctx.key("device_chart"),
        )
    with right:
        st.plotly_chart(
            charts.weekday_hour_heatmap(b.activity_heatmap),
            config=charts.CHART_CONFIG,
            key=ctx.key("heatmap_chart"),
        )
