"""BG/NBD repeat-buying model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

Everything is computed in log space with ``gammaln``/``betaln``; the optimiser works on the
logarithms of the four parameters, so they stay positive without bounds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, expit, gammaln, hyp2f1

from c360.errors import ValidationError


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (for JSON)."""
        return asdict(self)


def _unique_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the stacked columns and how often each occurs (shrinks the likelihood)."""
    stacked = np.column_stack(columns)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return rows, counts.astype(np.float64)


def log_likelihood(
    params: BgNbdParams, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood of (x, t_x, T)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(frequency, dtype=np.float64)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    still_alive = betaln(a, b + x) - (r + x) * np.log(alpha + age)
    with np.errstate(divide="ignore", invalid="ignore"):
        dropped = np.where(
            x > 0,
            betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + recency),
            -np.inf,
        )
    return common + np.logaddexp(still_alive, dropped)


def fit(
    frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, *, penalty: float = 0.0
) -> tuple[BgNbdParams, float]:
    """Maximum-likelihood parameters and the total log-likelihood."""
    if len(frequency) < 2 or not np.any(np.asarray(frequency) > 0):
        raise ValidationError(
            "The purchase models need at least two customers and at least one repeat purchase."
        )
    # Fit in units of the mean age (alpha scales with the time unit, r, a and b do not).
    scale = max(float(np.mean(age)), 1e-9)
    rows, weights = _unique_rows(frequency, np.asarray(recency) / scale, np.asarray(age) / scale)
    x, t_x, big_t = rows[:, 0], rows[:, 1], rows[:, 2]

    def objective(log_params: np.ndarray) -> float:
        params = BgNbdParams(*np.exp(log_params))
        value = -float(np.dot(weights, log_likelihood(params, x, t_x, big_t)))
        # An optional ridge on the log-parameters keeps tiny data sets from running off.
        return value + penalty * float(np.dot(log_params, log_params))

    best = minimise_log_params(objective, np.log([1.0, 0.25, 1.0, 1.0]))
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    params = BgNbdParams(r, alpha * scale, a, b)
    total = float(np.sum(log_likelihood(params, frequency, recency, age)))
    return params, total


def minimise_log_params(objective, start: np.ndarray):  # type: ignore[no-untyped-def]
    """L-BFGS-B on log-parameters kept within e^-9..e^9, polished by Nelder-Mead."""
    bounds = [(-9.0, 9.0)] * len(start)
    first = minimize(objective, start, method="L-BFGS-B", bounds=bounds)
    second = minimize(
        objective,
        first.x,
        method="Nelder-Mead",
        bounds=bounds,
        options={"maxiter": 2000, "xatol": 1e-7, "fatol": 1e-9},
    )
    return second if second.fun <= first.fun else first


def _log_dropout_odds(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray):
    """log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x); -inf for customers with no repeats."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = (
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        )
    return np.where(x > 0, odds, -np.inf)


def prob_alive(
    params: BgNbdParams, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(the customer has not dropped out) at the end of the period."""
    x = np.asarray(frequency, dtype=np.float64)
    return expit(-_log_dropout_odds(params, x, np.asarray(recency), np.asarray(age)))


def prob_no_purchase(
    params: BgNbdParams, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, t: float
) -> np.ndarray:
    """P(no purchase in the next ``t`` time units): dropped out, or alive and simply not buying."""
    x = np.asarray(frequency, dtype=np.float64)
    alive = prob_alive(params, x, recency, age)
    quiet_if_alive = np.exp(
        (params.r + x) * (np.log(params.alpha + age) - np.log(params.alpha + age + t))
    )
    return (1.0 - alive) + alive * quiet_if_alive


def expected_purchases(
    params: BgNbdParams, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, t: float
) -> np.ndarray:
    """E[number of purchases in the next ``t`` time units | x, t_x, T]."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(frequency, dtype=np.float64)
    big_t = np.asarray(age, dtype=np.float64)
    ratio = np.exp((r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t)))
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
    numerator = (a + b + x - 1) / (a - 1) * (1.0 - ratio * hyper)
    return numerator * prob_alive(params, x, recency, big_t)


def median_wait_if_alive(params: BgNbdParams, frequency: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Median time to the next purchase for a customer who is still active (posterior Poisson)."""
    shape = params.r + np.asarray(frequency, dtype=np.float64)
    return (params.alpha + np.asarray(age, dtype=np.float64)) * np.expm1(np.log(2.0) / shape)
