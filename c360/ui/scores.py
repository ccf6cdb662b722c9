"""Score widgets (health, churn, predictions, history) and cached scoring reads for the pages."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from c360.db import session_factory, transaction
from c360.models import ChurnLevel, HealthLevel
from c360.permissions import Actor
from c360.scoring import backtest, explain, read, weights, worklist
from c360.ui.profile.context import ProfileContext
from c360.views import (
    AtRiskPage,
    ChurnRisk,
    HealthScore,
    Prediction,
    ScoreHistoryEntry,
)

HEALTH_COLOURS = {
    HealthLevel.EXCELLENT: "green",
    HealthLevel.GOOD: "blue",
    HealthLevel.FAIR: "orange",
    HealthLevel.POOR: "red",
}
CHURN_COLOURS = {ChurnLevel.LOW: "green", ChurnLevel.MEDIUM: "orange", ChurnLevel.HIGH: "red"}


# ---- reads used by pages -------------------------------------------------------------------


def score_history(engine: Engine, customer_id: int) -> tuple[ScoreHistoryEntry, ...]:
    """The customer's scoring runs with the factor moves between them."""
    with session_factory(engine)() as session:
        return explain.score_history(session, customer_id)


def at_risk(actor: Actor, engine: Engine, scope: str | int, limit: int, offset: int) -> AtRiskPage:
    """One page of the at-risk worklist."""
    with session_factory(engine)() as session:
        return worklist.at_risk_worklist(actor, session, scope=scope, limit=limit, offset=offset)


def account_managers(engine: Engine) -> list[tuple[int, str]]:
    """Account managers for the worklist's scope picker."""
    with session_factory(engine)() as session:
        return worklist.account_managers(session)


def current_weights(engine: Engine) -> dict[str, float]:
    """The health weights in force."""
    with session_factory(engine)() as session:
        return weights.get_health_weights(session)


def save_weights(actor: Actor, engine: Engine, values: dict[str, float]) -> dict[str, float]:
    """Store new weights (admin only, audited) in one transaction."""
    with transaction(engine) as session:
        return weights.set_health_weights(actor, session, values)


def latest_model_fit(engine: Engine) -> dict | None:
    """The newest model fit recorded by the scoring job."""
    with session_factory(engine)() as session:
        return read.latest_model_fit(session)


@st.cache_data(ttl=3600, show_spinner="Running the back-test on the store's history…")
def _cached_backtest(url: str, cutoff: date | None, horizon_days: int, _engine: Engine) -> dict:
    with session_factory(_engine)() as session:
        chosen = cutoff or backtest.default_cutoff(session, horizon_days)
        return backtest.backtest_database(session, chosen, horizon_days).as_dict()


def backtest_result(engine: Engine, horizon_days: int, cutoff: date | None = None) -> dict:
    """The back-test on the current data, cached for an hour per database and horizon."""
    return _cached_backtest(engine.url.render_as_string(), cutoff, horizon_days, engine)


def forget_backtest() -> None:
    """Drop cached back-tests (after a rescore or on request)."""
    _cached_backtest.clear()


# ---- widgets for the profile page ----------------------------------------------------------


def health_card(health: HealthScore | None) -> None:
    """Health score with its level colour, each factor with score, weight and why; actions."""
    if health is None:
        st.info("No health score yet: it appears after the next scoring run.")
        return
    colour = HEALTH_COLOURS[health.level]
    st.markdown(f"**Health score** :{colour}[**{health.score:.0f}** / 100 · {health.level.value}]")
    st.dataframe(
        pd.DataFrame(
            [
                {"factor": f.name, "score": f.score, "weight": f.weight, "why": f.detail}
                for f in health.factors
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "score": st.column_config.ProgressColumn(
                "score", min_value=0, max_value=100, format="%.0f"
            ),
            "weight": st.column_config.NumberColumn("weight", format="percent"),
        },
    )
    if health.recommendations:
        st.markdown("**Recommended actions**")
        for advice in health.recommendations:
            st.markdown(f"- {advice}")
    st.caption(f"Calculated {health.calculated_at:%Y-%m-%d %H:%M} UTC")


def churn_card(churn: ChurnRisk | None) -> None:
    """Churn level and score, the factors behind it, and retention strategies when HIGH."""
    if churn is None:
        st.info("No churn risk yet: it appears after the next scoring run.")
        return
    colour = CHURN_COLOURS[churn.level]
    st.markdown(
        f"**Churn risk** :{colour}[**{churn.level.value}** · {churn.score:.0f} / 100] — "
        "chance of no purchase in the next 90 days"
    )
    for factor in churn.factors:
        st.markdown(f"- {factor}")
    if churn.retention_strategies:
        st.markdown("**Retention strategies**")
        for strategy in churn.retention_strategies:
            st.markdown(f"- {strategy}")


def overdue_reorder_flag(prediction: Prediction | None) -> None:
    """B5: a warning when the customer is past their own usual gap between orders."""
    if prediction is not None and prediction.overdue_reorder and prediction.typical_gap_days:
        st.warning(
            f"Overdue reorder: longer since the last order than their usual "
            f"{prediction.typical_gap_days:.0f} days between orders."
        )


def predictions_card(prediction: Prediction | None, show_overdue: bool = True) -> None:
    """B1: P(active), P(no purchase in 90 days), expected purchases, 12-month value, next order."""
    if prediction is None:
        st.info("No prediction: the customer has not bought anything yet.")
        return
    if show_overdue:
        overdue_reorder_flag(prediction)
    cols = st.columns(3)
    cols[0].metric(
        "Still active (model)",
        f"{prediction.prob_alive:.0%}",
        help="BG/NBD's chance that the customer has not left. The model lets customers leave "
        "only after a repeat purchase, so a one-time buyer always shows 100%: for them the "
        "churn risk is the better guide.",
    )
    cols[1].metric("No purchase in 90 days", f"{prediction.prob_no_purchase_90d:.0%}")
    cols[2].metric("Expected purchases, 90 days", f"{prediction.expected_purchases_90d:.2f}")
    cols = st.columns(3)
    cols[0].metric("Predicted 12-month value", f"${prediction.predicted_value_12m:,.2f}")
    next_order = prediction.expected_next_order_at
    # A metric value is one line: the long form goes in the help text.
    cols[1].metric(
        "Expected next order",
        "> 1 year" if next_order is None else f"{next_order:%Y-%m-%d}",
        help="Not expected within a year (or the customer has most likely left)."
        if next_order is None
        else "When the model expects the next order if the customer is still active.",
    )
    cols[2].metric(
        "Usual days between orders",
        "—" if prediction.typical_gap_days is None else f"{prediction.typical_gap_days:.0f}",
    )
    st.caption("BG/NBD and Gamma-Gamma models fitted on this store's purchases.")


def score_history_chart(history: tuple[ScoreHistoryEntry, ...]) -> None:
    """B3: health and churn over time, and per recalculation which factor moved by how much."""
    if not history:
        st.info("No score history yet.")
        return
    times = [entry.calculated_at for entry in history]
    figure = go.Figure()
    figure.add_scatter(
        x=times, y=[e.health_score for e in history], name="Health", mode="lines+markers"
    )
    figure.add_scatter(
        x=times, y=[e.churn_score for e in history], name="Churn risk", mode="lines+markers"
    )
    figure.update_layout(
        height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"range": [0, 100]}
    )
    st.plotly_chart(figure, width="stretch")
    rows = [
        {
            "calculated": entry.calculated_at,
            "health": entry.health_score,
            "change": entry.health_score - previous.health_score,
            "what moved": "; ".join(
                f"{move.name} {move.delta:+.0f} ({move.weighted_delta:+.1f} pts)"
                for move in entry.moves
            )
            or "nothing",
        }
        for previous, entry in zip(history, history[1:], strict=False)
    ]
    if rows:
        st.dataframe(
            pd.DataFrame(rows[::-1]),
            hide_index=True,
            width="stretch",
            column_config={
                "health": st.column_config.NumberColumn(format="%.1f"),
                "change": st.column_config.NumberColumn(format="%+.1f"),
            },
        )


def render_score_details(ctx: ProfileContext) -> None:
    """Under the gauges: the overdue flag, then why the scores are what they are, and history."""
    view = ctx.view
    overdue_reorder_flag(view.prediction)
    with st.expander("Why these scores, predictions and score history"):
        left, right = st.columns(2)
        with left:
            health_card(view.health)
        with right:
            churn_card(view.churn)
        st.markdown("**Predictions**")
        predictions_card(view.prediction, show_overdue=False)
        st.markdown("**Score history: why did the score move?**")
        score_history_chart(score_history(ctx.engine, view.profile.id))
