"""Feature frames in, every score out: model fit, predictions, churn risk, health (vectorised)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from c360.scoring import bgnbd, churn, gamma_gamma, health
from c360.scoring.bgnbd import BgNbdParams
from c360.scoring.churn import HORIZON_DAYS, Calibration
from c360.scoring.gamma_gamma import GammaGammaParams

YEAR_DAYS = 365.0


@dataclass(frozen=True)
class FittedModels:
    """BG/NBD (time in days) and Gamma-Gamma (money in cents) fitted on one period."""

    bgnbd: BgNbdParams
    gamma_gamma: GammaGammaParams | None
    bgnbd_log_likelihood: float
    customers: int
    repeat_buyers: int


@dataclass(frozen=True)
class Scores:
    """One row per customer with every stored value, plus what produced them."""

    frame: pd.DataFrame
    models: FittedModels
    calibration: Calibration
    weights: dict[str, float]
    recency_half_life_days: float
    base_resolution_hours: float
    engagement_signals: list[str]
    end_day: int


def fit_models(
    frame: pd.DataFrame,
    start: BgNbdParams | None = None,
    spend_start: GammaGammaParams | None = None,
) -> FittedModels:
    """Fit BG/NBD on every customer who bought and Gamma-Gamma on the repeat buyers.

    ``start`` and ``spend_start``: where each fit begins its search (e.g. the last run's).
    """
    buyers = frame[frame["purchased"]]
    params, log_likelihood = bgnbd.fit(
        buyers["frequency"].to_numpy(),
        buyers["recency"].to_numpy(),
        buyers["age"].to_numpy(),
        start=start,
    )
    repeat = buyers[(buyers["frequency"] > 0) & (buyers["monetary"] > 0)]
    spend = None
    if len(repeat) >= 2:
        spend, _ = gamma_gamma.fit(
            repeat["frequency"].to_numpy(), repeat["monetary"].to_numpy(), start=spend_start
        )
    return FittedModels(params, spend, log_likelihood, len(buyers), len(repeat))


def _rfm(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        frame["frequency"].to_numpy(np.float64),
        frame["recency"].to_numpy(np.float64),
        frame["age"].to_numpy(np.float64),
    )


def predictions(frame: pd.DataFrame, models: FittedModels) -> pd.DataFrame:
    """B1 per buyer: P(alive), P(no purchase in 90 days), expected purchases, 12-month value."""
    buyers = frame[frame["purchased"]]
    x, t_x, age = _rfm(buyers)
    params = models.bgnbd
    out = pd.DataFrame(index=buyers.index)
    out["prob_alive"] = bgnbd.prob_alive(params, x, t_x, age)
    out["prob_no_purchase_90d"] = bgnbd.prob_no_purchase(params, x, t_x, age, HORIZON_DAYS)
    out["expected_purchases_90d"] = bgnbd.expected_purchases(params, x, t_x, age, HORIZON_DAYS)
    year = bgnbd.expected_purchases(params, x, t_x, age, YEAR_DAYS)
    if models.gamma_gamma is not None and models.gamma_gamma.q > 1:
        spend = gamma_gamma.expected_spend(models.gamma_gamma, x, buyers["monetary"].to_numpy())
    else:  # too few repeat buyers for the spend model: the buyer's own mean purchase value
        spend = buyers["total_value"].to_numpy() / (x + 1)
    out["expected_spend"] = spend
    out["predicted_value_12m"] = np.nan_to_num(year * spend)
    out["typical_gap_days"] = np.where(x > 0, t_x / np.maximum(x, 1), np.nan)
    wait = bgnbd.median_wait_if_alive(params, x, age)
    likely = (out["prob_alive"].to_numpy() >= 0.5) & (wait <= YEAR_DAYS)
    out["expected_next_order_day"] = np.where(
        likely, frame.attrs["end_day"] + np.ceil(wait), np.nan
    )
    days_since = frame.attrs["end_day"] - buyers["last_day"].to_numpy()
    out["overdue_reorder"] = (x > 0) & (days_since > out["typical_gap_days"].fillna(np.inf))
    return out


def engagement_activity(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Engagement events in the last 90 days and in the customer's own 270-day baseline."""
    recent = sum(frame[name].to_numpy() for name in health.ENGAGEMENT_SIGNALS)
    baseline = sum(frame[f"{name}_baseline"].to_numpy() for name in health.ENGAGEMENT_SIGNALS)
    return np.asarray(recent, float), np.asarray(baseline, float)


def support_issues(frame: pd.DataFrame) -> np.ndarray:
    """Open tickets, escalated open tickets and low-rated tickets of the last 90 days."""
    return (
        frame["open_tickets"].to_numpy()
        + frame["escalated_open"].to_numpy()
        + frame["low_rated_recent"].to_numpy()
    )


def churn_features(frame: pd.DataFrame, params: BgNbdParams) -> pd.DataFrame:
    """The churn regression inputs of the buyers in ``frame`` (plus the raw values shown)."""
    buyers = frame[frame["purchased"]]
    x, t_x, age = _rfm(buyers)
    end_day = frame.attrs["end_day"]
    recent, baseline = engagement_activity(buyers)
    baseline_start = end_day - HORIZON_DAYS - churn.BASELINE_DAYS
    baseline_days = np.clip(
        end_day - HORIZON_DAYS - np.maximum(buyers["registered_day"].to_numpy(), baseline_start),
        0,
        churn.BASELINE_DAYS,
    )
    out = pd.DataFrame(index=buyers.index)
    out["p_model"] = bgnbd.prob_no_purchase(params, x, t_x, age, HORIZON_DAYS)
    out["days_since_last"] = end_day - buyers["last_day"].to_numpy()
    out["frequency"] = x
    out["engagement_decline"] = churn.engagement_decline(recent, baseline, baseline_days)
    out["support_issues"] = support_issues(buyers)
    return out


def _matrix(features: pd.DataFrame) -> np.ndarray:
    return churn.feature_matrix(
        features["p_model"],
        features["days_since_last"],
        features["frequency"],
        features["engagement_decline"],
        features["support_issues"],
    )


def fit_churn_calibration(
    now: pd.DataFrame, before: pd.DataFrame, params: BgNbdParams
) -> tuple[Calibration, float]:
    """Fit the recalibration on the last 90 days; also the no-first-purchase rate of prospects."""
    bought_since = now["last_day"].reindex(before.index).to_numpy() > before.attrs["end_day"]
    features = churn_features(before, params)
    churned = ~bought_since[before["purchased"].to_numpy()]
    calibration = churn.fit_calibration(_matrix(features), churned)
    prospects = ~before["purchased"].to_numpy()
    base = prospects if prospects.any() else np.ones(len(before), dtype=bool)
    prospect_rate = float(np.mean(~bought_since[base])) if base.any() else 1.0
    return calibration, prospect_rate


def churn_scores(
    frame: pd.DataFrame, params: BgNbdParams, calibration: Calibration, prospect_rate: float
) -> pd.DataFrame:
    """Churn probability, level and the raw factors for every customer in ``frame``."""
    features = churn_features(frame, params)
    matrix = _matrix(features)
    out = pd.DataFrame(index=frame.index)
    probability = pd.Series(prospect_rate, index=frame.index, dtype=np.float64)
    probability[features.index] = calibration.probability(matrix)
    out["churn_probability"] = probability
    out["churn_score"] = 100.0 * probability.clip(0.0, 1.0)
    out["churn_level"] = churn.levels(probability.to_numpy())
    for name in ("p_model", "days_since_last", "engagement_decline", "support_issues"):
        out[name] = features[name].reindex(frame.index)
    out["engagement_decline"] = out["engagement_decline"].fillna(0.0)
    out["support_issues"] = support_issues(frame)
    terms = calibration.log_odds_terms(matrix)
    for i, name in enumerate(churn.FEATURES):
        out[f"term_{name}"] = pd.Series(terms[:, i], index=features.index).reindex(frame.index)
    return out


def health_scores(
    frame: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[pd.DataFrame, float, float, list[str]]:
    """The four components, total and level; with the base half-life, resolution median, signals."""
    end_day = frame.attrs["end_day"]
    purchased = frame["purchased"].to_numpy()
    purchase_days = np.where(purchased, frame["frequency"].fillna(0).to_numpy() + 1, 0)
    start = np.fmin(frame["registered_day"].to_numpy(), frame["first_day"].to_numpy())
    out = pd.DataFrame(index=frame.index)
    out["purchase_score"] = health.purchase_component(purchase_days, end_day - start)
    signals = {name: frame[name].to_numpy() for name in health.ENGAGEMENT_SIGNALS}
    out["engagement_score"], used = health.engagement_component(signals)
    resolution = frame["average_resolution_hours"].to_numpy()
    base_hours = float(np.nanmedian(resolution)) if np.isfinite(resolution).any() else 0.0
    out["support_score"] = health.support_component(
        frame["open_tickets"].to_numpy(),
        frame["escalated_open"].to_numpy(),
        frame["average_satisfaction"].to_numpy(),
        resolution,
        base_hours,
    )
    repeaters = frame[frame["purchased"] & (frame["frequency"] > 0)]
    gaps = (repeaters["recency"] / repeaters["frequency"]).to_numpy()
    half_life = float(np.median(gaps)) if len(gaps) else float(HORIZON_DAYS)
    days_since = np.where(purchased, end_day - frame["last_day"].to_numpy(), np.nan)
    out["recency_score"] = health.recency_component(days_since, half_life)
    components = {name: out[f"{name}_score"].to_numpy() for name in health.COMPONENTS}
    out["health_score"] = health.total_score(components, weights)
    out["health_level"] = health.levels(out["health_score"].to_numpy())
    return out, half_life, base_hours, used


def compute_scores(
    now: pd.DataFrame,
    before: pd.DataFrame,
    weights: Mapping[str, float],
    start: BgNbdParams | None = None,
    spend_start: GammaGammaParams | None = None,
) -> Scores:
    """Every score for the customers of ``now``; ``before`` is the same data 90 days earlier.

    ``start``, ``spend_start``: where the two fits begin their search (the last run's fit).
    """
    models = fit_models(now, start, spend_start)
    calibration, prospect_rate = fit_churn_calibration(now, before, models.bgnbd)
    frame = now.copy()
    frame = frame.join(predictions(now, models))
    frame = frame.join(churn_scores(now, models.bgnbd, calibration, prospect_rate))
    components, half_life, base_hours, used = health_scores(now, weights)
    frame = frame.join(components)
    frame.attrs.update(now.attrs)
    return Scores(
        frame=frame,
        models=models,
        calibration=calibration,
        weights=health.normalise_weights(weights),
        recency_half_life_days=half_life,
        base_resolution_hours=base_hours,
        engagement_signals=used,
        end_day=now.attrs["end_day"],
    )
