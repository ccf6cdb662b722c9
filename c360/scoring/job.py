"""The batch job: score every customer at once, store current values and history, tell people.

Reads with a few GROUP BY queries (c360.scoring.features), computes with numpy
(c360.scoring.compute), writes with bulk upserts (c360.scoring.bulk): no query per customer.
"""

from __future__ import annotations

import json
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from c360.db import transaction
from c360.models import (
    ActivityLog,
    ChurnRisk,
    HealthScore,
    ModelFit,
    Notification,
    Prediction,
    ScoreHistory,
    utcnow,
)
from c360.scoring import churn, compute, features, rfm
from c360.scoring.churn import HORIZON_DAYS
from c360.scoring.weights import get_health_weights
from c360.segments.refresh import refresh_segments_after_scoring

# Health changes at least this large (or any level change) go to the activity feed (R12.5).
SIGNIFICANT_HEALTH_CHANGE = 10.0


@dataclass(frozen=True)
class ScoringSummary:
    """What one scoring run did (returned to the command and to the post-score hooks)."""

    as_of: date
    calculated_at: datetime
    customers: int
    buyers: int
    health_changes_logged: int
    churn_notifications: int
    model_fit_id: int
    params: dict
    seconds: dict[str, float] = field(default_factory=dict)


# Called after every successful run as hook(engine, summary), e.g. the segment refresh.
POST_SCORE_HOOKS: list[Callable[[Engine, ScoringSummary], object]] = [
    refresh_segments_after_scoring
]


def load_frames(session: Session, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feature frames at ``as_of`` and 90 days earlier (for the churn recalibration)."""
    return (
        features.load_features(session, as_of),
        features.load_features(session, as_of - timedelta(days=HORIZON_DAYS)),
    )


def run_scoring(
    engine: Engine, as_of: date | None = None, *, progress: bool = False
) -> ScoringSummary:
    """Score every customer as of ``as_of`` (default today, UTC) in one transaction."""
    as_of = as_of or utcnow().date()
    seconds: dict[str, float] = {}
    steps = ["read", "fit and score", "write scores", "write history and feed"]
    bar = tqdm(total=len(steps), desc="scoring", unit="step", disable=not progress)

    def step(name: str, started: float) -> float:
        seconds[name] = round(clock.perf_counter() - started, 3)
        bar.set_postfix_str(name)
        bar.update(1)
        return clock.perf_counter()

    started = clock.perf_counter()
    with transaction(engine) as session:
        weights = get_health_weights(session)
        now, before = load_frames(session, as_of)
        previous = _previous_scores(session)
        started = step("read", started)
        scores = compute.compute_scores(now, before, weights)
        started = step("fit and score", started)
        calculated_at = utcnow()
        _write_current(session, scores, calculated_at)
        started = step("write scores", started)
        _write_history(session, scores, calculated_at)
        logged = _log_health_changes(session, scores, previous, calculated_at)
        notified = _notify_churn_changes(session, scores, previous, calculated_at)
        fit = _record_fit(session, scores, as_of, calculated_at)
        step("write history and feed", started)
    bar.close()
    return ScoringSummary(
        as_of=as_of,
        calculated_at=calculated_at,
        customers=len(scores.frame),
        buyers=scores.models.customers,
        health_changes_logged=logged,
        churn_notifications=notified,
        model_fit_id=fit.id,
        params=fit.params,
        seconds=seconds,
    )


def run_post_score_hooks(engine: Engine, summary: ScoringSummary) -> None:
    """Run every registered post-score hook in order."""
    for hook in POST_SCORE_HOOKS:
        hook(engine, summary)


def _previous_scores(session: Session) -> pd.DataFrame:
    health = session.execute(
        select(HealthScore.customer_id, HealthScore.score, HealthScore.level)
    ).all()
    churn = session.execute(select(ChurnRisk.customer_id, ChurnRisk.level)).all()
    frame = pd.DataFrame(health, columns=["customer_id", "old_health", "old_level"]).set_index(
        "customer_id"
    )
    churn_frame = pd.DataFrame(churn, columns=["customer_id", "old_churn_level"]).set_index(
        "customer_id"
    )
    frame = frame.join(churn_frame, how="outer")
    for column in ("old_level", "old_churn_level"):
        frame[column] = [_level_text(v) for v in frame[column].tolist()]
    return frame


def _level_text(value: object) -> str | None:
    """A stored level as its string value; None when there was no row."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _native(values: pd.Series | np.ndarray) -> list:
    """Python values (None for NaN) so drivers accept them."""
    array = np.asarray(values, dtype=object)
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in array.tolist()]


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    return frame.to_json(orient="records", lines=True, double_precision=6).splitlines()


def _write_current(session: Session, scores: compute.Scores, calculated_at: datetime) -> None:
    from c360.scoring.bulk import write_rows

    frame = scores.frame
    ids = frame.index.to_numpy().tolist()
    stamp = [calculated_at] * len(ids)
    purchased = frame["purchased"].to_numpy()
    days_since = np.where(
        purchased, scores.end_day - frame["last_day"].fillna(0).to_numpy(), np.nan
    )

    health_details = pd.DataFrame(
        {
            "purchase_days": np.where(purchased, frame["frequency"].fillna(0) + 1, 0),
            "tenure_days": scores.end_day
            - np.fmin(frame["registered_day"].to_numpy(), frame["first_day"].to_numpy()),
            "days_since_last": days_since,
            "opens": frame["opens"],
            "clicks": frame["clicks"],
            "sessions": frame["sessions"],
            "loyalty_events": frame["loyalty_events"],
            "open_tickets": frame["open_tickets"],
            "escalated_open": frame["escalated_open"],
            "average_satisfaction": frame["average_satisfaction"],
            "average_resolution_hours": frame["average_resolution_hours"],
        },
        index=frame.index,
    )
    base = {
        "recency_half_life_days": round(scores.recency_half_life_days, 1),
        "base_resolution_hours": round(scores.base_resolution_hours, 1),
        "engagement_signals": scores.engagement_signals,
    }
    prefix = json.dumps({"weights": scores.weights, "base": base})[:-1]
    details = [f'{prefix},"values":{line}}}' for line in _json_lines(health_details)]
    write_rows(
        session,
        HealthScore.__table__,
        [
            "customer_id",
            "score",
            "purchase_score",
            "engagement_score",
            "support_score",
            "recency_score",
            "level",
            "details",
            "calculated_at",
        ],
        list(
            zip(
                ids,
                frame["health_score"].round(2).tolist(),
                frame["purchase_score"].round(2).tolist(),
                frame["engagement_score"].round(2).tolist(),
                frame["support_score"].round(2).tolist(),
                frame["recency_score"].round(2).tolist(),
                frame["health_level"].tolist(),
                details,
                stamp,
                strict=True,
            )
        ),
        upsert_key="customer_id",
        json_columns=["details"],
    )

    typical_gap = frame["typical_gap_days"]
    value_at_stake = frame["trailing_year_value"].fillna(0.0).round()
    expected_loss = (value_at_stake * frame["churn_probability"]).round()
    values = pd.DataFrame(
        {
            "probability": frame["churn_probability"].round(4),
            "p_model": frame["p_model"].round(4),
            "days_since_last": days_since,
            "typical_gap_days": typical_gap.round(1),
            "repeat_purchases": frame["frequency"],
            "engagement_recent": compute.engagement_activity(frame)[0],
            "engagement_baseline": compute.engagement_activity(frame)[1],
            "engagement_decline": frame["engagement_decline"].round(3),
            "support_issues": frame["support_issues"],
            "open_tickets": frame["open_tickets"],
            "overdue_reorder": frame["overdue_reorder"].fillna(False).astype(bool),
        },
        index=frame.index,
    )
    terms = pd.DataFrame(
        {name: frame[f"term_{name}"].round(3) for name in churn.FEATURES}, index=frame.index
    )
    factors = [
        f'{{"values":{v},"terms":{t}}}'
        for v, t in zip(_json_lines(values), _json_lines(terms), strict=True)
    ]
    write_rows(
        session,
        ChurnRisk.__table__,
        [
            "customer_id",
            "level",
            "score",
            "days_since_last_purchase",
            "engagement_decline",
            "support_issues",
            "value_at_stake_cents",
            "expected_loss_cents",
            "factors",
            "calculated_at",
        ],
        list(
            zip(
                ids,
                frame["churn_level"].tolist(),
                frame["churn_score"].round(2).tolist(),
                [None if np.isnan(d) else int(d) for d in days_since],
                frame["engagement_decline"].round(4).tolist(),
                frame["support_issues"].astype(int).tolist(),
                value_at_stake.astype(np.int64).tolist(),
                expected_loss.astype(np.int64).tolist(),
                factors,
                stamp,
                strict=True,
            )
        ),
        upsert_key="customer_id",
        json_columns=["factors"],
    )

    buyers = frame[purchased]
    next_order = [
        None if np.isnan(day) else datetime.combine(rfm.from_day_number(day), datetime.min.time())
        for day in buyers["expected_next_order_day"].to_numpy()
    ]
    write_rows(
        session,
        Prediction.__table__,
        [
            "customer_id",
            "calculated_at",
            "prob_alive",
            "prob_no_purchase_90d",
            "expected_purchases_90d",
            "predicted_value_12m_cents",
            "expected_next_order_at",
            "typical_gap_days",
            "frequency",
            "recency_days",
            "age_days",
            "avg_order_value_cents",
        ],
        list(
            zip(
                buyers.index.to_numpy().tolist(),
                [calculated_at] * len(buyers),
                buyers["prob_alive"].round(6).tolist(),
                buyers["prob_no_purchase_90d"].round(6).tolist(),
                buyers["expected_purchases_90d"].round(6).tolist(),
                buyers["predicted_value_12m"].round().astype(np.int64).tolist(),
                next_order,
                _native(buyers["typical_gap_days"].round(2)),
                buyers["frequency"].astype(int).tolist(),
                buyers["recency"].tolist(),
                buyers["age"].tolist(),
                (buyers["total_value"] / (buyers["frequency"] + 1))
                .round()
                .astype(np.int64)
                .tolist(),
                strict=True,
            )
        ),
        upsert_key="customer_id",
    )
    # Customers who no longer have a purchase (all orders cancelled) lose their prediction.
    session.execute(delete(Prediction).where(Prediction.calculated_at != calculated_at))


def _write_history(session: Session, scores: compute.Scores, calculated_at: datetime) -> None:
    from c360.scoring.bulk import write_rows

    frame = scores.frame
    write_rows(
        session,
        ScoreHistory.__table__,
        [
            "customer_id",
            "calculated_at",
            "health_score",
            "purchase_score",
            "engagement_score",
            "support_score",
            "recency_score",
            "health_level",
            "churn_score",
            "churn_level",
        ],
        list(
            zip(
                frame.index.to_numpy().tolist(),
                [calculated_at] * len(frame),
                frame["health_score"].round(2).tolist(),
                frame["purchase_score"].round(2).tolist(),
                frame["engagement_score"].round(2).tolist(),
                frame["support_score"].round(2).tolist(),
                frame["recency_score"].round(2).tolist(),
                frame["health_level"].tolist(),
                frame["churn_score"].round(2).tolist(),
                frame["churn_level"].tolist(),
                strict=True,
            )
        ),
    )


def _log_health_changes(
    session: Session, scores: compute.Scores, previous: pd.DataFrame, calculated_at: datetime
) -> int:
    frame = scores.frame.join(previous, how="inner")
    frame = frame[frame["old_health"].notna()]
    delta = frame["health_score"].round(2) - frame["old_health"]
    changed = frame[
        (delta.abs() >= SIGNIFICANT_HEALTH_CHANGE) | (frame["health_level"] != frame["old_level"])
    ]
    if changed.empty:
        return 0
    rows = []
    for customer_id, row in changed.iterrows():
        old, new = float(row["old_health"]), float(row["health_score"])
        direction = "rose" if new > old else "fell"
        level_note = (
            f" ({row['old_level']} → {row['health_level']})"
            if row["old_level"] != row["health_level"]
            else ""
        )
        rows.append(
            {
                "occurred_at": calculated_at,
                "actor_id": None,
                "customer_id": int(customer_id),
                "action": "health_score.changed",
                "entity_type": "health_score",
                "entity_id": str(customer_id),
                "summary": f"Health score {direction} from {old:.0f} to {new:.0f}{level_note}",
                "before": {"score": round(old, 2), "level": row["old_level"]},
                "after": {"score": round(new, 2), "level": row["health_level"]},
            }
        )
    session.execute(ActivityLog.__table__.insert(), rows)
    return len(rows)


def _notify_churn_changes(
    session: Session, scores: compute.Scores, previous: pd.DataFrame, calculated_at: datetime
) -> int:
    frame = scores.frame.join(previous, how="inner")
    changed = frame[
        frame["old_churn_level"].notna()
        & (frame["churn_level"] != frame["old_churn_level"])
        & frame["account_manager_id"].notna()
    ]
    if changed.empty:
        return 0
    rows = [
        {
            "staff_user_id": int(row["account_manager_id"]),
            "customer_id": int(customer_id),
            "kind": "churn_level_changed",
            "message": (
                f"Churn risk of customer #{customer_id} changed from {row['old_churn_level']} "
                f"to {row['churn_level']} ({row['churn_score']:.0f}/100)"
            ),
            "is_read": False,
            "created_at": calculated_at,
        }
        for customer_id, row in changed.iterrows()
    ]
    session.execute(Notification.__table__.insert(), rows)
    return len(rows)


def _record_fit(
    session: Session, scores: compute.Scores, as_of: date, calculated_at: datetime
) -> ModelFit:
    models = scores.models
    fit = ModelFit(
        fitted_at=calculated_at,
        as_of=datetime.combine(as_of, datetime.min.time()),
        customers=models.customers,
        params={
            "time_unit": "days",
            "money_unit": "cents",
            "bgnbd": models.bgnbd.as_dict(),
            "gamma_gamma": None if models.gamma_gamma is None else models.gamma_gamma.as_dict(),
            "churn_calibration": scores.calibration.as_dict(),
            "health_weights": scores.weights,
        },
        metrics={
            "bgnbd_log_likelihood": models.bgnbd_log_likelihood,
            "repeat_buyers": models.repeat_buyers,
            "customers_scored": len(scores.frame),
            "recency_half_life_days": scores.recency_half_life_days,
        },
    )
    session.add(fit)
    session.flush()
    return fit
