"""Stored scores as the typed views pages receive, with their explanations in words.

The batch job stores numbers (components, inputs, regression terms); the sentences shown to
staff are written here, at read time, so wording can improve without a rescore.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.models import ChurnLevel, HealthLevel, utcnow
from c360.money import money
from c360.scoring import health, stored
from c360.views import ChurnRisk, HealthScore, Prediction, ScoreFactor

COMPONENT_LABELS: dict[str, str] = {
    "purchase": "Purchase frequency",
    "engagement": "Engagement",
    "support": "Support",
    "recency": "Recency",
}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(values: dict[str, Any], key: str) -> float | None:
    value = values.get(key)
    return float(value) if isinstance(value, int | float) else None


def _count(value: float | None) -> int:
    return int(value or 0)


def health_detail(
    component: str, values: dict[str, Any], base: dict[str, Any], score: float
) -> str:
    """The sentence behind one health component."""
    if component == "purchase":
        days, tenure = (
            _count(_number(values, "purchase_days")),
            _count(_number(values, "tenure_days")),
        )
        if days == 0:
            return f"No purchase yet in {tenure} days as a customer."
        return (
            f"{days} purchase day{'s' if days != 1 else ''} in {tenure} days as a customer: "
            f"more often than {score:.0f}% of customers."
        )
    if component == "engagement":
        parts = [
            f"{_count(_number(values, key))} {label}"
            for key, label in (
                ("opens", "e-mail opens"),
                ("clicks", "clicks"),
                ("sessions", "site visits"),
                ("loyalty_events", "loyalty events"),
            )
            if key in base.get("engagement_signals", [])
        ]
        if not parts:
            return "No engagement data (e-mail, visits, loyalty) in the store yet."
        return "Last 90 days: " + ", ".join(parts) + " (ranked against all customers)."
    if component == "support":
        open_tickets = _count(_number(values, "open_tickets"))
        escalated = _count(_number(values, "escalated_open"))
        rating = _number(values, "average_satisfaction")
        hours = _number(values, "average_resolution_hours")
        parts = []
        if open_tickets:
            parts.append(
                f"{open_tickets} open ticket{'s' if open_tickets != 1 else ''}"
                + (f" ({escalated} escalated)" if escalated else "")
            )
        if rating is not None:
            parts.append(f"satisfaction {rating:.1f}/5")
        if hours is not None:
            store = _number(base, "base_resolution_hours")
            parts.append(
                f"resolved in {hours:.0f} h on average"
                + (f" (store median {store:.0f} h)" if store else "")
            )
        if not parts:
            return "No support tickets in the last year."
        return "; ".join(parts).capitalize() + "."
    days = _number(values, "days_since_last")
    if days is None:
        return "No purchase yet."
    half_life = _number(base, "recency_half_life_days") or 0
    return (
        f"Last purchase {days:.0f} days ago; this score halves every {half_life:.0f} days "
        "(the store's typical gap between purchases)."
    )


def health_view(row: m.HealthScore, fit_params: dict[str, Any] | None = None) -> HealthScore:
    """A stored health score as the view the profile renders (factors, weights, actions).

    The weights and store-wide base values are the same for every customer of a run, so the
    job stores them once, in the model fit (``fit_params``); the row holds only its inputs.
    """
    fit = _dict(fit_params)
    weights = _dict(fit.get("health_weights")) or health.DEFAULT_WEIGHTS
    values, base = stored.health_inputs(row.details, fit), _dict(fit.get("health_base"))
    scores = {name: float(getattr(row, f"{name}_score")) for name in health.COMPONENTS}
    factors = tuple(
        ScoreFactor(
            name=COMPONENT_LABELS[name],
            score=round(scores[name], 1),
            weight=float(weights.get(name, 0.0)),
            detail=health_detail(name, values, base, scores[name]),
        )
        for name in health.COMPONENTS
    )
    return HealthScore(
        score=round(float(row.score), 1),
        level=HealthLevel(row.level),
        factors=factors,
        recommendations=tuple(health.recommendations(scores)),
        calculated_at=row.calculated_at,
    )


def churn_factor_texts(values: dict[str, Any], terms: dict[str, Any]) -> list[str]:
    """Why the churn probability is what it is: strongest push towards churn first."""
    texts: list[tuple[float, str]] = []
    days = _number(values, "days_since_last")
    gap = _number(values, "typical_gap_days")
    repeats = _count(_number(values, "repeat_purchases"))
    rhythm_term = (_number(terms, "model") or 0) + (_number(terms, "days_since_last") or 0)
    if days is None:
        texts.append((1.0, "Has never placed an order."))
    elif gap and days > gap:
        texts.append(
            (
                rhythm_term,
                f"No purchase for {days:.0f} days: {days / gap:.1f}× their usual gap of "
                f"{gap:.0f} days.",
            )
        )
    elif gap:
        texts.append(
            (
                rhythm_term,
                f"Last purchase {days:.0f} days ago, within their usual gap of {gap:.0f} days.",
            )
        )
    else:
        texts.append((rhythm_term, f"No purchase for {days:.0f} days since their only order."))
    if days is not None:
        term = _number(terms, "repeat_purchases") or 0
        if repeats == 0:
            texts.append((term, "Only one purchase so far (no buying rhythm yet)."))
        elif term > 0:
            texts.append((term, f"Few purchases so far ({repeats + 1} purchase days)."))
        else:
            texts.append((term, f"Regular buyer ({repeats + 1} purchase days) lowers the risk."))
    decline = _number(values, "engagement_decline") or 0
    if decline > 0:
        recent = _count(_number(values, "engagement_recent"))
        texts.append(
            (
                _number(terms, "engagement_decline") or 0,
                f"Engagement down {decline:.0%} against their own earlier rate "
                f"({recent} e-mail, visit and loyalty events in the last 90 days).",
            )
        )
    issues = _count(_number(values, "support_issues"))
    if issues:
        texts.append(
            (
                _number(terms, "support_issues") or 0,
                f"{issues} support issue{'s' if issues != 1 else ''} "
                "(open, escalated or low-rated tickets).",
            )
        )
    p_model = _number(values, "p_model")
    if p_model is not None:
        texts.append(
            (-9.0, f"Purchase model: {p_model:.0%} chance of no purchase in the next 90 days.")
        )
    return [text for _, text in sorted(texts, key=lambda item: -item[0])]


def retention_strategies(values: dict[str, Any], value_at_stake_cents: int) -> list[str]:
    """Actions for a customer at HIGH risk, following from their own factors."""
    strategies = []
    days, gap = _number(values, "days_since_last"), _number(values, "typical_gap_days")
    if days is None:
        strategies.append("Welcome offer for a first order, with help choosing.")
    elif _count(_number(values, "repeat_purchases")) == 0:
        strategies.append("Second-purchase incentive tied to what they bought first.")
    elif gap and days > gap:
        strategies.append(
            "Personal reorder reminder with their usual products, timed to their rhythm."
        )
    if (_number(values, "support_issues") or 0) > 0:
        strategies.append("Close the open support issues first and follow up personally.")
    if (_number(values, "engagement_decline") or 0) >= 0.3:
        strategies.append(
            "Re-engage on the channel they used to answer, with a personalised offer."
        )
    if value_at_stake_cents > 0:
        strategies.append(
            f"Account manager call: ${money(value_at_stake_cents):,} spent in the last 12 months "
            "is at stake."
        )
    if not strategies:
        strategies.append("Loyalty bonus or time-limited offer to bring them back.")
    return strategies


def churn_view(row: m.ChurnRisk, fit_params: dict[str, Any] | None = None) -> ChurnRisk:
    """A stored churn risk as the view the profile renders (factors, strategies when HIGH)."""
    values, terms = stored.churn_inputs(row.factors, fit_params)
    level = ChurnLevel(row.level)
    return ChurnRisk(
        level=level,
        score=round(float(row.score), 1),
        days_since_last_purchase=row.days_since_last_purchase,
        engagement_decline=float(row.engagement_decline),
        support_issues=int(row.support_issues),
        factors=tuple(churn_factor_texts(values, terms)),
        retention_strategies=tuple(retention_strategies(values, int(row.value_at_stake_cents or 0)))
        if level is ChurnLevel.HIGH
        else (),
        calculated_at=row.calculated_at,
    )


def is_overdue(days_since_last_purchase: float | None, typical_gap_days: float | None) -> bool:
    """B5: more days since the last order than the customer's own usual gap."""
    if days_since_last_purchase is None or not typical_gap_days:
        return False
    return days_since_last_purchase > typical_gap_days


def prediction_view(
    row: m.Prediction, days_since_last_purchase: int | None = None, now: datetime | None = None
) -> Prediction:
    """A stored prediction as a view; overdue uses the live days since the last order if given."""
    if days_since_last_purchase is None:
        elapsed = ((now or utcnow()) - row.calculated_at).days
        days_since_last_purchase = int(row.age_days - row.recency_days) + max(elapsed, 0)
    return Prediction(
        prob_alive=float(row.prob_alive),
        prob_no_purchase_90d=float(row.prob_no_purchase_90d),
        expected_purchases_90d=float(row.expected_purchases_90d),
        predicted_value_12m=money(row.predicted_value_12m_cents),
        expected_next_order_at=row.expected_next_order_at,
        typical_gap_days=row.typical_gap_days,
        overdue_reorder=is_overdue(days_since_last_purchase, row.typical_gap_days),
        calculated_at=row.calculated_at,
    )


def latest_fit_params() -> ScalarSelect[Any]:
    """The newest model fit's parameters, as a subquery to select alongside a score row."""
    return select(m.ModelFit.params).order_by(m.ModelFit.id.desc()).limit(1).scalar_subquery()


def latest_model_fit(session: Session) -> dict[str, Any] | None:
    """The newest recorded model fit (parameters, metrics, when and as of which day)."""
    fit = session.scalars(select(m.ModelFit).order_by(m.ModelFit.id.desc()).limit(1)).first()
    if fit is None:
        return None
    return {
        "fitted_at": fit.fitted_at,
        "as_of": fit.as_of,
        "customers": fit.customers,
        "params": fit.params,
        "metrics": fit.metrics,
    }
