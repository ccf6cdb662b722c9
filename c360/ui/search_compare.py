"""Compare page widgets: the metrics table with differences marked, radar, spend, overlaps."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from c360.compare import HEALTH_COMPONENTS, Comparison, MetricRow

BEST = "background-color: #d1fae5; font-weight: 600"
DIFFERENT = "background-color: #fef3c7"


def _shown(row: MetricRow, value: float | None) -> str:
    if value is None:
        return "—"
    if row.unit == "$":
        return f"${value:,.2f}"
    if row.unit == "%":
        return f"{value:.0%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def metrics_table(comparison: Comparison) -> None:
    """Metrics side by side; differing rows tinted, the best value of each in green."""
    names = [f"{c.name} (#{c.id})" for c in comparison.customers]
    frame = pd.DataFrame(
        [[_shown(row, v) for v in row.values] for row in comparison.metrics],
        index=[row.label for row in comparison.metrics],
        columns=names,
    )

    def style(_: pd.DataFrame) -> pd.DataFrame:
        styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
        for r, row in enumerate(comparison.metrics):
            if row.differs:
                styles.iloc[r, :] = DIFFERENT
            if row.best_index is not None:
                styles.iloc[r, row.best_index] = BEST
        return styles

    st.dataframe(frame.style.apply(style, axis=None), width="stretch")
    st.caption(
        "Tinted rows differ; green marks the better value (fewer days and lower churn are better)."
    )


def health_radar(comparison: Comparison) -> None:
    """Radar of the four health components for every scored customer."""
    scored = [c for c in comparison.customers if c.health_components is not None]
    for c in comparison.customers:
        if c.health_components is None:
            st.caption(f"{c.name}: health not scored yet.")
    if not scored:
        st.info("None of these customers has a health score yet (not scored yet).")
        return
    labels = [name.title() for name in HEALTH_COMPONENTS]
    fig = go.Figure()
    for c in scored:
        values = [c.health_components[name] for name in HEALTH_COMPONENTS]  # type: ignore[index]
        fig.add_trace(
            go.Scatterpolar(
                r=[*values, values[0]],
                theta=[*labels, labels[0]],
                name=c.name,
                fill="toself",
                opacity=0.5,
            )
        )
    fig.update_layout(
        polar={"radialaxis": {"range": [0, 100]}}, height=360, margin={"t": 30, "b": 30}
    )
    st.plotly_chart(fig, width="stretch")


def spend_chart(comparison: Comparison) -> None:
    """Completed-order revenue per month, one line per customer."""
    months = sorted({m for c in comparison.customers for m, _ in c.monthly_spend})
    if not months:
        st.info("No completed orders in the last 24 months for these customers.")
        return
    fig = go.Figure()
    for c in comparison.customers:
        by_month = dict(c.monthly_spend)
        fig.add_trace(
            go.Scatter(
                x=months,
                y=[float(by_month.get(m, 0)) for m in months],
                name=c.name,
                mode="lines+markers",
            )
        )
    fig.update_layout(yaxis_title="Revenue ($)", height=360, margin={"t": 30, "b": 30})
    st.plotly_chart(fig, width="stretch")


def overlap(
    title: str,
    shared: tuple[str, ...],
    differences: dict[str, tuple[bool, ...]],
    comparison: Comparison,
) -> None:
    """What all the customers share, and who has what the others lack."""
    st.markdown(f"**{title} in common:** " + (", ".join(shared) if shared else "none"))
    if differences:
        names = [c.name for c in comparison.customers]
        frame = pd.DataFrame(
            [["✓" if has else "—" for has in row] for row in differences.values()],
            index=list(differences),
            columns=names,
        )
        st.dataframe(frame, width="stretch")
