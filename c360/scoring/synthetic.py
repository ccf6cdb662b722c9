"""CDNOW-like purchase lists simulated from known BG/NBD and Gamma-Gamma parameters (for tests)."""

from __future__ import annotations

from datetime import date

import numpy as np

from c360.scoring.bgnbd import BgNbdParams
from c360.scoring.gamma_gamma import GammaGammaParams
from c360.scoring.rfm import Transactions, day_number


def simulate(
    customers: int,
    bgnbd: BgNbdParams,
    spend: GammaGammaParams,
    *,
    start: date,
    end: date,
    seed: int = 0,
) -> Transactions:
    """Customers join uniformly over the first quarter of ``[start, end]`` and buy per BG/NBD.

    Time in days; each purchase value is drawn from the customer's own Gamma spend distribution
    (in the currency unit of ``spend.gamma``).
    """
    rng = np.random.default_rng(seed)
    first = day_number(start)
    last = day_number(end)
    joins = rng.integers(first, first + max((last - first) // 4, 1), size=customers)
    rates = rng.gamma(bgnbd.r, 1.0 / bgnbd.alpha, size=customers)
    dropouts = rng.beta(bgnbd.a, bgnbd.b, size=customers)
    spend_rates = rng.gamma(spend.q, 1.0 / spend.gamma, size=customers)
    ids, days, values = [], [], []
    for i in range(customers):
        t = float(joins[i])
        repeat = False
        while t <= last:
            ids.append(i + 1)
            days.append(int(t))
            values.append(rng.gamma(spend.p, 1.0 / spend_rates[i]))
            # BG/NBD: a customer may drop out after each repeat purchase, not after the first.
            if repeat and rng.random() < dropouts[i]:
                break
            repeat = True
            t += rng.exponential(1.0 / rates[i])
    return Transactions(
        customer_ids=np.array(ids, dtype=np.int64),
        days=np.array(days, dtype=np.int64),
        values=np.array(values, dtype=np.float64),
    )
