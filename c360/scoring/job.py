"""The batch job: score every customer at once, store current values and history, tell people.

Reads with a few GROUP BY queries (c360.scoring.features), computes with numpy
(c360.scoring.compute), replaces the score tables in bulk (c360.scoring.bulk): no query per
customer.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Engine, String, cast, select, text
from sqlalchemy.orm import Session
from tqdm import tqdm

from c360.db import transaction
from c360.frames import concurrent_reads, read_frame
from c360.models import (
    ActivityLog,
    ChurnLevel,
    ChurnRisk,
    HealthScore,
    ModelFit,
    Notification,
    Prediction,
    ScoreHistory,
    utcnow,
)
from c360.portfolio import refresh_portfolio_snapshot
from c360.scoring import bulk, churn, compute, features, rfm, stored
from c360.scoring.bgnbd import BgNbdParams
from c360.scoring.churn import HORIZON_DAYS
from c360.scoring.gamma_gamma import GammaGammaParams
from c360.scoring.weights import get_health_weights
from c360.segments.refresh import refresh_segments_after_scoring

# pg_advisory_xact_lock key of the scoring job (any fixed number unique to it).
_SCORING_LOCK_KEY = 536_036_012

P = TypeVar("P", BgNbdParams, GammaGammaParams)

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
    refresh_segments_after_scoring,
    refresh_portfolio_snapshot,  # after the segment refresh: it reads segment membership
]


def load_frames(
    session: Session, as_of: date, reads: Executor | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feature frames at ``as_of`` and 90 days earlier (for the churn recalibration)."""
    now, before = features.load_feature_frames(
        session, [as_of, as_of - timedelta(days=HORIZON_DAYS)], reads
    )
    return now, before


def run_scoring(
    engine: Engine, as_of: date | None = None, *, progress: bool = False
) -> ScoringSummary:
    """Score every customer as of ``as_of`` (default today, UTC) in one transaction."""
    as_of = as_of or utcnow().date()
    seconds: dict[str, float] = {}
    steps = ["read", "fit and score", "write", "swap in"]
    bar = tqdm(total=len(steps), desc="scoring", unit="step", disable=not progress)

    def step(name: str, started: float) -> float:
        seconds[name] = round(clock.perf_counter() - started, 3)
        bar.set_postfix_str(name)
        bar.update(1)
        return clock.perf_counter()

    started = clock.perf_counter()
    with transaction(engine) as session, bulk.TableReplacer(session) as replacer:
        _one_run_at_a_time(session)
        weights = get_health_weights(session)
        with concurrent_reads(session) as reads:
            pending_previous = reads.submit(_previous_scores, session)
            now, before = load_frames(session, as_of, reads)
            previous = pending_previous.result()
        started = step("read", started)
        scores = compute.compute_scores(now, before, weights, *_previous_params(session))
        started = step("fit and score", started)
        calculated_at = utcnow()
        # The score tables load on connections of their own; this one writes the rest meanwhile.
        _replace_current(replacer, scores, calculated_at)
        history_rows = _write_history(session, scores, previous, calculated_at)
        logged = _log_health_changes(session, scores, previous, calculated_at)
        notified = _notify_churn_changes(session, scores, previous, calculated_at)
        fit = _record_fit(session, scores, as_of, calculated_at)
        _refresh_statistics(session, {ScoreHistory: history_rows})
        started = step("write", started)
        # Last before the commit: readers of the score tables wait from here until then.
        replacer.swap()
        step("swap in", started)
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


def score_everyone(
    engine: Engine, as_of: date | None = None, *, progress: bool = False
) -> ScoringSummary:
    """What ``python -m c360 score`` does: the run, then its hooks (segments, portfolio)."""
    summary = run_scoring(engine, as_of, progress=progress)
    run_post_score_hooks(engine, summary)
    return summary


def _previous_params(session: Session) -> tuple[BgNbdParams | None, GammaGammaParams | None]:
    """The last run's BG/NBD and Gamma-Gamma parameters: today's fits start there."""
    params = session.scalar(select(ModelFit.params).order_by(ModelFit.id.desc()).limit(1))
    return (
        _recorded(BgNbdParams, params, "bgnbd"),
        _recorded(GammaGammaParams, params, "gamma_gamma"),
    )


def _recorded(kind: type[P], params: object, key: str) -> P | None:
    """``kind`` from ``params[key]``, or None when no run recorded it in that shape."""
    try:
        return kind(**{k: float(v) for k, v in params[key].items()})  # type: ignore[index]
    except (TypeError, KeyError, ValueError, AttributeError):
        return None  # no earlier run, or one recorded in another shape: start from scratch


def _previous_scores(session: Session) -> pd.DataFrame:
    """Stored health score and level, churn score and level of every scored customer.

    The job writes both rows of a customer in one transaction, so one outer join finds both.
    """
    health, churn = HealthScore.__table__, ChurnRisk.__table__
    frame = read_frame(
        session,
        select(
            health.c.customer_id,
            health.c.score,
            cast(health.c.level, String),
            churn.c.score,
            cast(churn.c.level, String),
        ).select_from(health.outerjoin(churn, health.c.customer_id == churn.c.customer_id)),
        ["customer_id", "old_health", "old_level", "old_churn", "old_churn_level"],
    ).set_index("customer_id")
    for column in ("old_health", "old_churn"):
        frame[column] = frame[column].astype(np.float64)
    for column in ("old_level", "old_churn_level"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _one_run_at_a_time(session: Session) -> None:
    """Make a second scoring run wait for this one (PostgreSQL; SQLite writers queue anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCORING_LOCK_KEY})


def _replace_current(
    replacer: bulk.TableReplacer, scores: compute.Scores, calculated_at: datetime
) -> None:
    frame = scores.frame
    purchased = frame["purchased"].to_numpy()
    days_since = pd.Series(
        np.where(purchased, scores.end_day - frame["last_day"].fillna(0).to_numpy(), np.nan),
        index=frame.index,
    )
    inputs = pd.DataFrame(
        {
            "purchase_days": np.where(purchased, frame["frequency"].fillna(0) + 1, 0),
            "tenure_days": scores.end_day
            - np.fmin(frame["registered_day"].to_numpy(), frame["first_day"].to_numpy()),
            "days_since_last": days_since,
            **{name: frame[name] for name in features.ACTIVITY_COLUMNS},
            **{name: frame[name] for name in features.SUPPORT_COLUMNS},
        },
        index=frame.index,
    )
    components = ["purchase_score", "engagement_score", "support_score", "recency_score"]
    health = frame[["health_score", *components, "health_level"]].round(2)
    health.columns = ["score", *components, "level"]
    health.insert(0, "customer_id", frame.index)
    # Weights, base values and the arrays' layout are the same for everyone: kept in the fit.
    health["details"] = stored.json_arrays(inputs[list(stored.HEALTH_INPUTS)])
    health["calculated_at"] = calculated_at
    replacer.replace(HealthScore.__table__, health)

    recent, baseline = compute.engagement_activity(frame)
    values = pd.DataFrame(
        {
            "probability": frame["churn_probability"].round(4),
            "p_model": frame["p_model"].round(4),
            "days_since_last": days_since,
            "typical_gap_days": frame["typical_gap_days"].round(1),
            "repeat_purchases": frame["frequency"],
            "engagement_recent": recent,
            "engagement_baseline": baseline,
            "engagement_decline": frame["engagement_decline"].round(3),
            "support_issues": frame["support_issues"],
            "open_tickets": frame["open_tickets"],
        },
        index=frame.index,
    )
    terms = pd.DataFrame(
        {name: frame[f"term_{name}"].round(3) for name in churn.FEATURES}, index=frame.index
    )
    value_at_stake = frame["trailing_year_value"].fillna(0.0).round()
    risks = pd.DataFrame(
        {
            "customer_id": frame.index,
            "level": frame["churn_level"],
            "score": frame["churn_score"].round(2),
            "days_since_last_purchase": days_since.astype("Int64"),
            "engagement_decline": frame["engagement_decline"].round(4),
            "support_issues": frame["support_issues"].astype(np.int64),
            "value_at_stake_cents": value_at_stake.astype(np.int64),
            "expected_loss_cents": (value_at_stake * frame["churn_probability"])
            .round()
            .astype(np.int64),
            "factors": [
                f"[{v},{t}]"
                for v, t in zip(
                    stored.json_arrays(values[list(stored.CHURN_VALUES)]),
                    stored.json_arrays(terms[list(stored.CHURN_TERMS)]),
                    strict=True,
                )
            ],
            "calculated_at": calculated_at,
        }
    )
    replacer.replace(ChurnRisk.__table__, risks)

    buyers = frame[purchased]
    next_day = buyers["expected_next_order_day"]
    predictions = pd.DataFrame(
        {
            "customer_id": buyers.index,
            "calculated_at": calculated_at,
            "prob_alive": buyers["prob_alive"].round(6),
            "prob_no_purchase_90d": buyers["prob_no_purchase_90d"].round(6),
            "expected_purchases_90d": buyers["expected_purchases_90d"].round(6),
            "predicted_value_12m_cents": buyers["predicted_value_12m"].round().astype(np.int64),
            "expected_next_order_at": pd.to_datetime(
                next_day.to_numpy(), unit="D", origin=pd.Timestamp(rfm.EPOCH)
            ),
            "typical_gap_days": buyers["typical_gap_days"].round(2),
            "frequency": buyers["frequency"].astype(np.int64),
            "recency_days": buyers["recency"],
            "age_days": buyers["age"],
            "avg_order_value_cents": (buyers["total_value"] / (buyers["frequency"] + 1))
            .round()
            .astype(np.int64),
        }
    )
    # Customers who no longer have a purchase (all orders cancelled) lose their prediction.
    replacer.replace(Prediction.__table__, predictions)


def history_moves(frame: pd.DataFrame, previous: pd.DataFrame) -> pd.Series:
    """Which customers get a history point: first score, a whole-point move or a new level.

    Daily drift of a fraction of a point is left out, so history grows with real changes,
    not with customers × runs (a rounded score changes once per point of drift).
    """
    old = previous.reindex(frame.index)
    # Compared as stored (two decimals), so the rule reads the same from the tables.
    return (
        old["old_health"].isna()
        | (frame["health_score"].round(2).round() != old["old_health"].round())
        | (frame["churn_score"].round(2).round() != old["old_churn"].round())
        | (frame["health_level"] != old["old_level"])
        | (frame["churn_level"] != old["old_churn_level"])
    )


def _write_history(
    session: Session, scores: compute.Scores, previous: pd.DataFrame, calculated_at: datetime
) -> int:
    frame = scores.frame[history_moves(scores.frame, previous)]
    columns = [
        "health_score",
        "purchase_score",
        "engagement_score",
        "support_score",
        "recency_score",
        "health_level",
        "churn_score",
        "churn_level",
    ]
    history = frame[columns].round(2)
    history.insert(0, "calculated_at", calculated_at)
    history.insert(0, "customer_id", frame.index)
    bulk.write_frame(session, ScoreHistory.__table__, history)
    return len(history)


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


def _refresh_statistics(session: Session, rows_added: dict[type, int]) -> None:
    """ANALYZE the score tables whose row count moved by a tenth or more (PostgreSQL only).

    Rewritten values keep their distribution from run to run; the planner needs new
    statistics when rows arrive in bulk (the first run, a big import, growing history).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    names = {model.__tablename__: model for model in rows_added}
    known = dict(
        session.execute(
            text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(names)},
        ).all()
    )
    stale = [
        name
        for name, model in names.items()
        if float(known.get(name) or 0) <= 0 or rows_added[model] >= 0.1 * float(known[name])
    ]
    if stale:
        session.execute(text("ANALYZE " + ", ".join(f'"{name}"' for name in stale)))


def health_base(scores: compute.Scores) -> dict[str, object]:
    """The store-wide values every health explanation refers to (same for all customers)."""
    return {
        "recency_half_life_days": round(scores.recency_half_life_days, 1),
        "base_resolution_hours": round(scores.base_resolution_hours, 1),
        "engagement_signals": scores.engagement_signals,
    }


def run_summary(frame: pd.DataFrame) -> dict[str, object]:
    """Average health and the churn mix of this run: one point of the portfolio trend."""
    if frame.empty:
        return {"average_health": None, "churn_mix": {}}
    mix = frame["churn_level"].value_counts()
    return {
        "average_health": round(float(frame["health_score"].mean()), 2),
        "churn_mix": {str(level): int(mix.get(level, 0)) for level in ChurnLevel},
    }


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
            "health_base": health_base(scores),
            "layout": stored.layout(),
        },
        metrics={
            "bgnbd_log_likelihood": models.bgnbd_log_likelihood,
            "repeat_buyers": models.repeat_buyers,
            "customers_scored": len(scores.frame),
            "recency_half_life_days": scores.recency_half_life_days,
            **run_summary(scores.frame),
        },
    )
    session.add(fit)
    session.flush()
    return fit
