"""Gamma-Gamma model of spend per purchase (Fader & Hardie), fitted by maximum likelihood."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import digamma, gammaln

from c360.errors import ValidationError
from c360.scoring.bgnbd import minimise_log_params


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float

    def as_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (for JSON)."""
        return asdict(self)


def log_likelihood(params: GammaGammaParams, frequency: np.ndarray, monetary: np.ndarray):
    """Per-customer log-likelihood of the mean spend ``monetary`` over ``frequency`` purchases."""
    p, q, g = params.p, params.q, params.gamma
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary, dtype=np.float64)
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + x * m)
    )


def fit(
    frequency: np.ndarray, monetary: np.ndarray, *, start: GammaGammaParams | None = None
) -> tuple[GammaGammaParams, float]:
    """Fit on repeat buyers only (frequency > 0 and positive spend).

    ``start`` (e.g. yesterday's fit) only changes where the search begins.
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary, dtype=np.float64)
    keep = (x > 0) & (m > 0)
    if keep.sum() < 2:
        raise ValidationError("The spend model needs at least two customers with repeat purchases.")
    x, m = x[keep], m[keep]
    # Fit in units of the mean spend (gamma scales with the currency unit, p and q do not).
    scale = float(np.mean(m))
    scaled = m / scale

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, g = np.exp(log_params)
        value = log_likelihood(GammaGammaParams(p, q, g), x, scaled)
        spent = np.log(g + x * scaled)
        psi = digamma(p * x + q)
        d_p = x * (psi - digamma(p * x) + np.log(scaled) + np.log(x) - spent)
        d_q = psi - digamma(q) + np.log(g) - spent
        d_g = q / g - (p * x + q) / (g + x * scaled)
        gradient = np.array([d_p.sum(), d_q.sum(), d_g.sum()]) * np.array([p, q, g])
        return -float(np.sum(value)), -gradient

    initial = [1.0, 1.0, 1.0] if start is None else [start.p, start.q, start.gamma / scale]
    best = minimise_log_params(objective, np.log(np.clip(initial, 1e-3, 1e3)))
    p, q, gamma = (float(v) for v in np.exp(best.x))
    params = GammaGammaParams(p, q, gamma * scale)
    return params, float(np.sum(log_likelihood(params, x, m)))


def expected_spend(
    params: GammaGammaParams, frequency: np.ndarray, monetary: np.ndarray
) -> np.ndarray:
    """E[spend per purchase | x, m_x]; the population mean for customers with no repeats."""
    p, q, g = params.p, params.q, params.gamma
    x = np.asarray(frequency, dtype=np.float64)
    m = np.where(x > 0, np.asarray(monetary, dtype=np.float64), 0.0)
    population_mean = p * g / (q - 1) if q > 1 else np.nan
    conditional = p * (g + x * m) / (p * x + q - 1)
    return np.where(x > 0, conditional, population_mean)
