"""Back-test (B4): fit on data up to a cutoff, score, then compare with the next N days.

``auc_model`` is the AUC of the churn probability users see (c360.scoring.churn) for
"bought nothing in the horizon"; ``auc_recency`` is the same for plain days since the last
purchase. Alternatives are reported too, so the choice stays visible: the raw BG/NBD
P(no purchase in 90 days) and 1 - P(alive) (which ranks one-time buyers as alive).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np
from scipy.stats import rankdata
from sqlalchemy.orm import Session

from c360.errors import ValidationError
from c360.scoring import bgnbd, compute, features, rfm
from c360.scoring.churn import HORIZON_DAYS
from c360.scoring.health import DEFAULT_WEIGHTS

FREQUENCY_GROUPS = 7  # 0, 1, ..., 6 repeat purchases, then "7+"


@dataclass(frozen=True)
class FrequencyRow:
    frequency: str
    customers: int
    mean_predicted: float
    mean_actual: float


@dataclass(frozen=True)
class BacktestResult:
    cutoff: str
    horizon_days: int
    customers: int
    churners: int
    auc_model: float
    auc_recency: float
    predicted_purchases: float
    actual_purchases: int
    by_frequency: list[FrequencyRow]
    alternatives: dict[str, float] = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN without both classes."""
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(score, dtype=np.float64))
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def evaluate(scores: compute.Scores, actual: np.ndarray, horizon_days: int, cutoff: date):
    """Compare the scores of the buyers at the cutoff with ``actual`` purchase days after it."""
    frame = scores.frame[scores.frame["purchased"]]
    actual = np.asarray(actual, dtype=np.int64)
    churned = actual == 0
    x = frame["frequency"].to_numpy()
    t_x = frame["recency"].to_numpy()
    age = frame["age"].to_numpy()
    params = scores.models.bgnbd
    predicted = bgnbd.expected_purchases(params, x, t_x, age, horizon_days)
    rows = []
    groups = np.minimum(x.astype(int), FREQUENCY_GROUPS)
    for g in range(FREQUENCY_GROUPS + 1):
        members = groups == g
        if members.any():
            rows.append(
                FrequencyRow(
                    frequency=f"{g}+" if g == FREQUENCY_GROUPS else str(g),
                    customers=int(members.sum()),
                    mean_predicted=round(float(predicted[members].mean()), 4),
                    mean_actual=round(float(actual[members].mean()), 4),
                )
            )
    return BacktestResult(
        cutoff=cutoff.isoformat(),
        horizon_days=horizon_days,
        customers=len(frame),
        churners=int(churned.sum()),
        auc_model=round(auc(frame["churn_probability"].to_numpy(), churned), 4),
        auc_recency=round(auc(frame["days_since_last"].to_numpy(), churned), 4),
        predicted_purchases=round(float(predicted.sum()), 1),
        actual_purchases=int(actual.sum()),
        by_frequency=rows,
        alternatives={
            "auc_bgnbd_no_purchase_90d": round(auc(frame["p_model"].to_numpy(), churned), 4),
            "auc_one_minus_p_alive": round(auc(1 - frame["prob_alive"].to_numpy(), churned), 4),
            "auc_fewer_expected_purchases": round(auc(-predicted, churned), 4),
        },
        params={
            "bgnbd": params.as_dict(),
            "gamma_gamma": None
            if scores.models.gamma_gamma is None
            else scores.models.gamma_gamma.as_dict(),
            "time_unit": "days",
        },
    )


def _check(horizon_days: int) -> None:
    if horizon_days < 1:
        raise ValidationError("The horizon must be at least one day.")


def backtest_transactions(
    transactions: rfm.Transactions, cutoff: date, horizon_days: int
) -> BacktestResult:
    """Back-test on a plain purchase list (e.g. CDNOW via rfm.load_cdnow), no database needed."""
    _check(horizon_days)
    now = features.from_summary(rfm.summarize(transactions, cutoff))
    if len(now) == 0:
        raise ValidationError(f"No purchases on or before {cutoff.isoformat()}.")
    before = features.from_summary(
        rfm.summarize(transactions, cutoff - timedelta(days=HORIZON_DAYS))
    )
    scores = compute.compute_scores(now, before, DEFAULT_WEIGHTS)
    start, end = rfm.day_number(cutoff), rfm.day_number(cutoff) + horizon_days
    window = (transactions.days > start) & (transactions.days <= end)
    pairs = np.unique(
        np.column_stack([transactions.customer_ids[window], transactions.days[window]]), axis=0
    )
    ids, counts = np.unique(pairs[:, 0], return_counts=True) if len(pairs) else ([], [])
    per_customer = dict(zip(np.asarray(ids).tolist(), np.asarray(counts).tolist(), strict=True))
    buyers = scores.frame.index[scores.frame["purchased"]]
    actual = np.array([per_customer.get(int(c), 0) for c in buyers])
    return evaluate(scores, actual, horizon_days, cutoff)


def backtest_database(session: Session, cutoff: date, horizon_days: int) -> BacktestResult:
    """Back-test on the store's own orders: scores as of ``cutoff``, outcome in the next N days."""
    _check(horizon_days)
    from c360.scoring.job import load_frames
    from c360.scoring.weights import get_health_weights

    now, before = load_frames(session, cutoff)
    if not now["purchased"].any():
        raise ValidationError(f"No purchases on or before {cutoff.isoformat()}.")
    scores = compute.compute_scores(now, before, get_health_weights(session))
    counts = rfm.load_purchase_counts(
        session, cutoff + timedelta(days=1), cutoff + timedelta(days=horizon_days)
    )
    buyers = scores.frame.index[scores.frame["purchased"]]
    actual = np.array([counts.get(int(c), 0) for c in buyers])
    return evaluate(scores, actual, horizon_days, cutoff)


def default_cutoff(session: Session, horizon_days: int) -> date:
    """The latest cutoff whose whole horizon lies in the data: last order day minus the horizon."""
    from sqlalchemy import func, select

    from c360.models import Order

    last = session.execute(select(func.max(Order.created_at))).scalar_one_or_none()
    if last is None:
        raise ValidationError("There are no orders to back-test on.")
    return last.date() - timedelta(days=horizon_days)
