"""Health score: four components of 0-100 from the customer's own data, weighted into a total.

Components (each 0-100):
- purchase: purchase days per 30 days of tenure, as a percentile rank against the whole base;
- engagement: mean percentile rank, against the base, of e-mail opens, e-mail clicks, web
  sessions and loyalty activity in the last 90 days (signals nobody in the base has are left out);
- support: 100 minus deductions for tickets open at the time, escalated open tickets, low
  satisfaction and resolution slower than the store's median (no tickets at all: nothing to deduct);
- recency: halves every "typical gap" of the base (the median repeat buyer's days between
  purchases) since the last purchase; 0 for a customer who never bought.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from c360.models import HealthLevel

COMPONENTS: tuple[str, ...] = ("purchase", "engagement", "support", "recency")
DEFAULT_WEIGHTS: dict[str, float] = {
    "purchase": 0.30,
    "engagement": 0.20,
    "support": 0.20,
    "recency": 0.30,
}
LEVELS: tuple[tuple[float, HealthLevel], ...] = (
    (80.0, HealthLevel.EXCELLENT),
    (60.0, HealthLevel.GOOD),
    (40.0, HealthLevel.FAIR),
)
ENGAGEMENT_SIGNALS: tuple[str, ...] = ("opens", "clicks", "sessions", "loyalty_events")
# Support deductions (points out of 100) for one customer's ticket history.
OPEN_TICKET_POINTS = 20.0
ESCALATED_POINTS = 15.0
SATISFACTION_POINTS = 40.0  # a 1-star average loses all of these, a 5-star average none
SLOW_RESOLUTION_POINTS = 15.0  # lost in full at twice the store's median resolution time
MINIMUM_TENURE_DAYS = 30.0


def percentile_score(values: np.ndarray) -> np.ndarray:
    """0 for zero values, else the mid-rank percentile (0-100) of each value within ``values``."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return values.copy()
    ordered = np.sort(values)
    below = np.searchsorted(ordered, values, side="left")
    at_or_below = np.searchsorted(ordered, values, side="right")
    percentile = 100.0 * (below + at_or_below) / (2.0 * n)
    return np.where(values > 0, percentile, 0.0)


def purchase_component(purchase_days: np.ndarray, tenure_days: np.ndarray) -> np.ndarray:
    """Purchase frequency for the customer's tenure, ranked against the base."""
    tenure = np.maximum(np.asarray(tenure_days, dtype=np.float64), MINIMUM_TENURE_DAYS)
    return percentile_score(30.0 * np.asarray(purchase_days, dtype=np.float64) / tenure)


def engagement_component(signals: Mapping[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Mean percentile of the engagement signals the base has any data for; and their names."""
    used = [name for name, values in signals.items() if np.any(np.asarray(values) > 0)]
    if not used:
        size = len(next(iter(signals.values()))) if signals else 0
        return np.zeros(size), []
    return np.mean([percentile_score(signals[name]) for name in used], axis=0), used


def support_component(
    open_tickets: np.ndarray,
    escalated_open: np.ndarray,
    average_satisfaction: np.ndarray,
    average_resolution_hours: np.ndarray,
    base_resolution_hours: float,
) -> np.ndarray:
    """100 minus deductions for open and escalated tickets, low ratings and slow resolutions."""
    score = 100.0 - OPEN_TICKET_POINTS * np.minimum(np.asarray(open_tickets, float), 3)
    score -= ESCALATED_POINTS * np.minimum(np.asarray(escalated_open, float), 2)
    satisfaction = np.asarray(average_satisfaction, dtype=np.float64)
    score -= np.where(np.isnan(satisfaction), 0.0, SATISFACTION_POINTS * (5.0 - satisfaction) / 4.0)
    hours = np.asarray(average_resolution_hours, dtype=np.float64)
    if base_resolution_hours > 0:
        slowness = np.clip(np.nan_to_num(hours / base_resolution_hours - 1.0, nan=0.0), 0, 1)
        score -= SLOW_RESOLUTION_POINTS * slowness
    return np.clip(score, 0.0, 100.0)


def recency_component(days_since_last: np.ndarray, half_life_days: float) -> np.ndarray:
    """100 on the day of a purchase, halving every ``half_life_days``; 0 with no purchase (NaN)."""
    days = np.asarray(days_since_last, dtype=np.float64)
    score = 100.0 * np.exp2(-np.maximum(days, 0.0) / max(half_life_days, 1.0))
    return np.where(np.isnan(days), 0.0, score)


def normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The four weights scaled to sum to 1."""
    total = sum(float(weights[name]) for name in COMPONENTS)
    return {name: float(weights[name]) / total for name in COMPONENTS}


def total_score(components: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """The weighted mean of the four components, clipped to 0-100."""
    shares = normalise_weights(weights)
    total = sum(shares[name] * np.asarray(components[name], float) for name in COMPONENTS)
    return np.clip(total, 0.0, 100.0)


def level_of(score: float) -> HealthLevel:
    """excellent (>= 80), good (>= 60), fair (>= 40) or poor."""
    for threshold, level in LEVELS:
        if score >= threshold:
            return level
    return HealthLevel.POOR


def levels(scores: np.ndarray) -> np.ndarray:
    """``level_of`` for an array (returns the string values)."""
    scores = np.asarray(scores, dtype=np.float64)
    return np.select(
        [scores >= t for t, _ in LEVELS],
        [level.value for _, level in LEVELS],
        default=HealthLevel.POOR.value,
    )


RECOMMENDATIONS: dict[str, str] = {
    "purchase": "Buys less often than most customers of the same tenure: suggest a replenishment "
    "or bundle offer built on what they bought before.",
    "engagement": "Little recent engagement (e-mails, visits, loyalty): re-engage with a "
    "personalised campaign or a loyalty bonus.",
    "support": "Support experience is weak (open or escalated tickets, low ratings or slow "
    "answers): have the account manager follow up until the issues are closed.",
    "recency": "No recent purchase: send a win-back offer or a personal check-in.",
}


def recommendations(components: Mapping[str, float], *, limit: int = 2) -> list[str]:
    """Actions for the weakest components below 60 (weakest first)."""
    weak = sorted((score, name) for name, score in components.items() if score < 60.0)
    return [RECOMMENDATIONS[name] for _, name in weak[:limit]]
