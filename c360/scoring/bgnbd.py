"""BG/NBD repeat-buying model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

Everything is computed in log space with ``gammaln``/``betaln``; the optimiser works on the
logarithms of the four parameters, so they stay positive without bounds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from c360.errors import ValidationError

NEAR_ONE = 1e-4
SIDE_STEP = 1e-3


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
    stacked = np.column_stack(columns).astype(np.float64)
    keys = _packed_keys(stacked)
    if keys is None:
        rows, counts = np.unique(stacked, axis=0, return_counts=True)
        return rows, counts.astype(np.float64)
    # Same rows in the same order as np.unique(axis=0), which sorts rows as structured values.
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return stacked[first], counts.astype(np.float64)


def _packed_keys(stacked: np.ndarray) -> np.ndarray | None:
    """One int64 per row, ordered as the rows, when every value is a small whole number."""
    bits = 63 // stacked.shape[1]
    whole = (stacked >= 0) & (stacked < 2**bits) & (stacked == np.floor(stacked))
    if not whole.all():  # NaN, fractions, negatives or large values
        return None
    keys = np.zeros(len(stacked), dtype=np.int64)
    for column in stacked.astype(np.int64).T:
        keys = (keys << bits) | column
    return keys


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
    frequency: np.ndarray,
    recency: np.ndarray,
    age: np.ndarray,
    *,
    penalty: float = 0.0,
    start: BgNbdParams | None = None,
) -> tuple[BgNbdParams, float]:
    """Maximum-likelihood parameters and the total log-likelihood.

    ``start`` (e.g. yesterday's fit) only changes where the search begins: a nearby start
    needs a fraction of the iterations and reaches the same optimum.
    """
    if len(frequency) < 2 or not np.any(np.asarray(frequency) > 0):
        raise ValidationError(
            "The purchase models need at least two customers and at least one repeat purchase."
        )
    # Fit in units of the mean age (alpha scales with the time unit, r, a and b do not).
    scale = max(float(np.mean(age)), 1e-9)
    rows, weights = _unique_rows(frequency, recency, age)
    x, t_x, big_t = rows[:, 0], rows[:, 1] / scale, rows[:, 2] / scale

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        values, gradient = _log_likelihood_and_gradient(np.exp(log_params), x, t_x, big_t)
        # An optional ridge on the log-parameters keeps tiny data sets from running off.
        loss = -float(np.dot(weights, values)) + penalty * float(np.dot(log_params, log_params))
        return loss, -(gradient @ weights) * np.exp(log_params) + 2 * penalty * log_params

    initial = [1.0, 0.25, 1.0, 1.0]
    if start is not None:
        initial = [start.r, start.alpha / scale, start.a, start.b]
    best = minimise_log_params(objective, np.log(np.clip(initial, 1e-3, 1e3)))
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    params = BgNbdParams(r, alpha * scale, a, b)
    total = float(np.sum(log_likelihood(params, frequency, recency, age)))
    return params, total


def minimise_log_params(objective, start: np.ndarray):  # type: ignore[no-untyped-def]
    """L-BFGS-B with analytic gradients on log-parameters kept within e^-9..e^9."""
    return minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-9.0, 9.0)] * len(start),
        options={"ftol": 1e-13, "gtol": 1e-8, "maxiter": 500},
    )


def _log_likelihood_and_gradient(
    theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood and its gradient (4 x rows) in (r, alpha, a, b)."""
    r, alpha, a, b = theta
    repeat = x > 0
    b_x1 = np.where(repeat, b + x - 1, 1.0)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + big_t)
    dropped = np.where(repeat, betaln(a + 1, b_x1) - (r + x) * np.log(alpha + t_x), -np.inf)
    total = np.logaddexp(alive, dropped)
    w = np.exp(alive - total)  # share of the "still alive" branch
    psi_abx = digamma(a + b + x)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha)
    d_r += -w * np.log(alpha + big_t) - (1 - w) * np.log(alpha + t_x)
    d_alpha = r / alpha - w * (r + x) / (alpha + big_t) - (1 - w) * (r + x) / (alpha + t_x)
    d_a = -(digamma(a) - digamma(a + b)) + w * (digamma(a) - psi_abx)
    d_a += (1 - w) * (digamma(a + 1) - psi_abx)
    d_b = -(digamma(b) - digamma(a + b)) + w * (digamma(b + x) - psi_abx)
    d_b += (1 - w) * (digamma(b_x1) - psi_abx)
    return common + total, np.vstack([d_r, d_alpha, d_a, d_b])


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
    if abs(params.a - 1.0) < NEAR_ONE:
        # a = 1 is a removable singularity (0/0); average the two sides, accurate to O(delta^2).
        below = BgNbdParams(params.r, params.alpha, 1.0 - SIDE_STEP, params.b)
        above = BgNbdParams(params.r, params.alpha, 1.0 + SIDE_STEP, params.b)
        return 0.5 * (
            expected_purchases(below, frequency, recency, age, t)
            + expected_purchases(above, frequency, recency, age, t)
        )
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
