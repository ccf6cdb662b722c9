"""Portfolio page widgets (B11): segment table with links, risk by manager, health, trends."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from c360.models import ChurnLevel
from c360.portfolio import NOT_SCORED, RISK_DEFINITION, Portfolio

CHURN_COLOURS = {"LOW": "#16a34a", "MEDIUM": "#f59e0b", "HIGH": "#dc2626", NOT_SCORED: "#9ca3af"}


def snapshot_bar(p: Portfolio, *, can_recalculate: bool) -> bool:
    """'As of <time>' caption and the 'Recalculate now' button; True when it was pressed."""
    left, right = st.columns([4, 1])
    when = p.computed_at.strftime("%Y-%m-%d %H:%M UTC") if p.computed_at else "unknown time"
    left.caption(f"As of {when} (refreshed after each scoring run and segment refresh)")
    return can_recalculate and right.button("Recalculate now", key="portfolio_recalculate")


def headline(p: Portfolio) -> None:
    """Customers, revenue and revenue at risk, with the definition of the last."""
    a, b, c, d = st.columns(4)
    a.metric("Customers", f"{p.customers:,}")
    b.metric("Lifetime revenue", f"${p.revenue:,.0f}")
    if p.churn_scored:
        c.metric("Revenue at risk", f"${p.revenue_at_risk:,.0f}", help=RISK_DEFINITION)
    else:
        c.metric("Revenue at risk", "—", help="Nobody is scored for churn yet.")
    d.metric("Scored for churn", f"{p.churn_scored:,} of {p.customers:,}")
    st.caption(RISK_DEFINITION)


def segments_table(p: Portfolio) -> None:
    """Per segment: size, revenue, average health, churn mix, revenue at risk; a link to members."""
    if not p.segments:
        st.info("No segment has members yet. Run `python -m c360 segments refresh`.")
        return
    frame = pd.DataFrame(
        [
            {
                "Segment": s.name,
                "Customers": s.customers,
                "Revenue": float(s.revenue),
                "Avg health": s.average_health,
                **{f"Churn {k}": v for k, v in s.churn_mix.items()},
                "Revenue at risk": float(s.revenue_at_risk),
                "Members": f"/search?segment={s.segment_id}",
            }
            for s in p.segments
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "Revenue": st.column_config.NumberColumn(format="dollar"),
            "Revenue at risk": st.column_config.NumberColumn(format="dollar"),
            "Avg health": st.column_config.NumberColumn(format="%.1f"),
            "Members": st.column_config.LinkColumn("Members", display_text="Search members"),
        },
    )
    names = [s.name for s in p.segments]
    fig = go.Figure()
    for level in [lv.value for lv in ChurnLevel] + [NOT_SCORED]:
        fig.add_trace(
            go.Bar(
                x=names,
                y=[s.churn_mix[level] for s in p.segments],
                name=level.lower() if level != NOT_SCORED else level,
                marker_color=CHURN_COLOURS[level],
            )
        )
    fig.update_layout(barmode="stack", title="Churn mix by segment", height=380, margin={"t": 40})
    st.plotly_chart(fig, width="stretch")
    if p.churn_scored:
        risk = go.Figure(go.Bar(x=names, y=[float(s.revenue_at_risk) for s in p.segments]))
        risk.update_layout(title="Revenue at risk by segment ($)", height=320, margin={"t": 40})
        st.plotly_chart(risk, width="stretch")


def managers_chart(p: Portfolio) -> None:
    """Revenue at risk per account manager."""
    if not p.managers:
        return
    if not p.churn_scored:
        st.info("Revenue at risk appears once customers are scored (run `python -m c360 score`).")
    frame = pd.DataFrame(
        [
            {
                "Account manager": m.manager,
                "Customers": m.customers,
                "High churn risk": m.high_risk_customers,
                "Revenue": float(m.revenue),
                "Revenue at risk": float(m.revenue_at_risk),
            }
            for m in p.managers
        ]
    )
    if p.churn_scored:
        fig = go.Figure(
            go.Bar(x=frame["Account manager"], y=frame["Revenue at risk"], marker_color="#dc2626")
        )
        fig.update_layout(
            title="Revenue at risk by account manager ($)", height=320, margin={"t": 40}
        )
        st.plotly_chart(fig, width="stretch")
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "Revenue": st.column_config.NumberColumn(format="dollar"),
            "Revenue at risk": st.column_config.NumberColumn(format="dollar"),
        },
    )


def health_charts(p: Portfolio) -> None:
    """Health score histogram and level counts."""
    if p.customers and p.not_health_scored == p.customers:
        st.info("No customer has a health score yet (run `python -m c360 score`).")
        return
    fig = go.Figure(
        go.Bar(
            x=[f"{low}–{high}" for low, high, _ in p.health_histogram],
            y=[count for _, _, count in p.health_histogram],
        )
    )
    fig.update_layout(title="Health score distribution", height=320, margin={"t": 40})
    st.plotly_chart(fig, width="stretch")
    levels = ", ".join(f"{k}: {v:,}" for k, v in p.health_levels.items())
    st.caption(f"{levels}; not scored: {p.not_health_scored:,}")


def trend_charts(p: Portfolio) -> None:
    """Average health and churn mix per scored day (one summary per scoring run)."""
    if not p.trend:
        st.info("No score history yet: trends appear after the scoring job has run.")
        return
    days = [t.day for t in p.trend]
    # Whole days on the axis, also when there is only one (plotly would zoom into milliseconds).
    day_axis = {"type": "date", "tickformat": "%b %-d", "dtick": 86_400_000}
    fig = go.Figure(go.Scatter(x=days, y=[t.average_health for t in p.trend], mode="lines+markers"))
    fig.update_layout(
        title="Average health score",
        yaxis_range=[0, 100],
        xaxis=day_axis,
        height=300,
        margin={"t": 40},
    )
    st.plotly_chart(fig, width="stretch")
    mix = go.Figure()
    for level in ChurnLevel:
        mix.add_trace(
            go.Bar(
                x=days,
                y=[t.churn_mix[level.value] for t in p.trend],
                name=level.value.lower(),
                marker_color=CHURN_COLOURS[level.value],
            )
        )
    mix.update_layout(
        barmode="stack", title="Churn level mix", xaxis=day_axis, height=300, margin={"t": 40}
    )
    st.plotly_chart(mix, width="stretch")
