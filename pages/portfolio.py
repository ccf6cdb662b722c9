"""Portfolio overview for managers (B11): segments, revenue at risk, health mix and trends."""

from __future__ import annotations

import streamlit as st

from c360.db import transaction
from c360.models import StaffRole
from c360.permissions import Permission
from c360.portfolio import portfolio_overview, recalculate_portfolio
from c360.segments.refresh import ensure_builtin_segments_ready
from c360.ui import segments_portfolio as view
from c360.ui.auth import require_actor
from c360.ui.db import engine

actor = require_actor(Permission.VIEW_PORTFOLIO)
st.title("Portfolio")
created = ensure_builtin_segments_ready(engine())  # first use: RFM segments exist and are filled
with transaction(engine()) as session:
    if created:  # membership just changed: the stored snapshot is stale
        portfolio = recalculate_portfolio(actor, session)
    else:
        portfolio = portfolio_overview(actor, session)
if view.snapshot_bar(portfolio, can_recalculate=actor.role == StaffRole.MANAGER):
    with transaction(engine()) as session:
        portfolio = recalculate_portfolio(actor, session)
view.headline(portfolio)
st.subheader("Segments")
view.segments_table(portfolio)
st.subheader("Account managers")
view.managers_chart(portfolio)
left, right = st.columns(2)
with left:
    st.subheader("Health")
    view.health_charts(portfolio)
with right:
    st.subheader("Trends")
    view.trend_charts(portfolio)
