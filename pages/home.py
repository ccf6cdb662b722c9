"""Home: the state of the customer base at a glance."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from c360.ui.auth import require_actor
from c360.ui.overview import cached_overview

require_actor()
st.title("Customer 360")
data = cached_overview()
counts = data.counts

if data.is_empty:
    st.info(
        "There are no customers yet. Load demo data with "
        "`python -m c360 demo --customers 2000`, or import your own with "
        "`python -m c360 import customers FILE` (see the README for the columns)."
    )
    st.stop()

cols = st.columns(5)
cols[0].metric("Customers", f"{counts.customers:,}")
cols[1].metric("Orders", f"{counts.orders:,}")
cols[2].metric(
    "Revenue", f"${counts.revenue_cents / 100:,.0f}", help="Delivered and completed orders"
)
cols[3].metric("Open tickets", f"{counts.open_tickets:,}")
cols[4].metric(
    "Active customers", f"{counts.active_customers:,}", help="With an order in the last 90 days"
)

months = [p.month for p in data.months]
left, right = st.columns(2)
with left:
    st.subheader("Revenue by month")
    revenue = go.Figure(
        go.Bar(x=months, y=[p.revenue_cents / 100 for p in data.months], name="Revenue")
    )
    revenue.update_layout(
        yaxis_title="Revenue ($)", yaxis_tickformat=",.0f", height=320, margin=dict(t=10, b=10)
    )
    st.plotly_chart(revenue, width="stretch", key="revenue_by_month")
with right:
    st.subheader("New customers by month")
    signups = go.Figure(
        go.Scatter(x=months, y=[p.new_customers for p in data.months], mode="lines+markers")
    )
    signups.update_layout(yaxis_title="Customers", height=320, margin=dict(t=10, b=10))
    st.plotly_chart(signups, width="stretch", key="new_customers_by_month")

st.subheader(f"Orders by status (last {len(months)} months)")
statuses = go.Figure(
    go.Bar(
        x=[s.orders for s in data.statuses],
        y=[s.status.replace("_", " ") for s in data.statuses],
        orientation="h",
    )
)
statuses.update_layout(
    xaxis_title="Orders",
    yaxis_autorange="reversed",  # most frequent status on top
    height=60 + 32 * len(data.statuses),
    margin=dict(t=10, b=10),
)
st.plotly_chart(statuses, width="stretch", key="orders_by_status")
st.caption(
    f"As of {counts.as_of:%Y-%m-%d %H:%M} UTC. Order counts, revenue and activity come from "
    "the customer_stats rollup, refreshed whenever orders are loaded."
)
