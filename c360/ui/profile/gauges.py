"""Health and churn gauges (plotly) from the stored scores, or "Not scored yet"."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from c360.ui.profile.format import CHURN_COLOURS, HEALTH_COLOURS, label, when
from c360.views import ChurnRisk, HealthScore

NOT_SCORED = "Not scored yet"
GAUGE_CONFIG = {"displayModeBar": False, "responsive": True}


def gauge_figure(
    value: float, title: str, colour: str, steps: list[tuple[int, int, str]]
) -> go.Figure:
    """A 0-100 gauge with coloured bands."""
    figure = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=value,
            number={"valueformat": ".0f"},
            title={"text": title, "font": {"size": 16}},
            gauge={
                "axis": {"range": [0, 100]},
                "bar": {"color": colour, "thickness": 0.3},
                "steps": [{"range": [lo, hi], "color": band} for lo, hi, band in steps],
            },
        )
    )
    figure.update_layout(height=190, margin={"l": 24, "r": 24, "t": 40, "b": 8})
    return figure


def render_health(health: HealthScore | None) -> None:
    """The health gauge (0-100, higher is better) with its level and when it was scored."""
    if health is None:
        st.markdown("**Health score**")
        st.info(f"{NOT_SCORED}: the health score appears after the next scoring run.")
        return
    steps = [(0, 40, "#fee2e2"), (40, 60, "#fef3c7"), (60, 80, "#ecfccb"), (80, 100, "#dcfce7")]
    colour = HEALTH_COLOURS.get(health.level, "#6b7280")
    st.plotly_chart(
        gauge_figure(health.score, f"Health · {label(health.level)}", colour, steps),
        config=GAUGE_CONFIG,
        key="health_gauge",
    )
    st.caption(f"Scored {when(health.calculated_at, with_time=True)} UTC")


def render_churn(churn: ChurnRisk | None) -> None:
    """The churn-risk gauge (0-100, higher is riskier) with its level."""
    if churn is None:
        st.markdown("**Churn risk**")
        st.info(f"{NOT_SCORED}: churn risk appears after the next scoring run.")
        return
    steps = [(0, 33, "#dcfce7"), (33, 66, "#fef3c7"), (66, 100, "#fee2e2")]
    colour = CHURN_COLOURS.get(churn.level, "#6b7280")
    st.plotly_chart(
        gauge_figure(churn.score, f"Churn risk · {label(churn.level)}", colour, steps),
        config=GAUGE_CONFIG,
        key="churn_gauge",
    )
    st.caption(f"Scored {when(churn.calculated_at, with_time=True)} UTC")
