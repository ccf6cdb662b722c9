"""The managers' portfolio overview (B11): segments, revenue at risk, health mix and trends.

Revenue at risk of one customer = value at stake × churn probability, where
  * value at stake is the predicted spend over the next 12 months when the prediction model
    has scored the customer, otherwise their lifetime value so far;
  * churn probability is the churn risk score / 100 (the score shown on the profile).
Customers without a churn score are not counted in revenue at risk (they are reported as
"not scored"). Every figure is one set-based SQL aggregate; nothing is loaded row by row.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from c360 import audit
from c360.db import transaction
from c360.models import (
    AppSetting,
    ChurnLevel,
    ChurnRisk,
    Customer,
    CustomerSegment,
    CustomerStats,
    HealthLevel,
    HealthScore,
    ModelFit,
    Prediction,
    Segment,
    StaffUser,
    utcnow,
)
from c360.permissions import Actor, Permission, requires
from c360.segments.criteria import customer_source

RISK_DEFINITION = (
    "Revenue at risk = value at stake × churn probability, summed over customers. Value at "
    "stake is the predicted spend over the next 12 months where the prediction model has "
    "scored the customer, otherwise their lifetime value so far. Churn probability is the "
    "churn risk score ÷ 100. Customers not yet scored for churn are left out."
)
TREND_DAYS = 180


@dataclass(frozen=True)
class SegmentSummary:
    segment_id: int
    name: str
    is_builtin: bool
    customers: int
    revenue: Decimal
    average_health: float | None
    churn_mix: dict[str, int]  # LOW / MEDIUM / HIGH / "not scored" -> customers
    revenue_at_risk: Decimal


@dataclass(frozen=True)
class ManagerSummary:
    manager_id: int | None
    manager: str
    customers: int
    revenue: Decimal
    high_risk_customers: int
    revenue_at_risk: Decimal


@dataclass(frozen=True)
class TrendPoint:
    day: str  # YYYY-MM-DD
    average_health: float
    customers: int
    churn_mix: dict[str, int]


@dataclass(frozen=True)
class Portfolio:
    customers: int
    revenue: Decimal
    revenue_at_risk: Decimal
    churn_scored: int
    segments: tuple[SegmentSummary, ...]
    managers: tuple[ManagerSummary, ...]
    # (low, high, customers) buckets of width 10 over the health score; high is exclusive
    # except for the last bucket, which includes 100.
    health_histogram: tuple[tuple[int, int, int], ...]
    health_levels: dict[str, int]
    not_health_scored: int
    trend: tuple[TrendPoint, ...]
    computed_at: datetime | None = None


NOT_SCORED = "not scored"


def _cents(value: object) -> Decimal:
    return (Decimal(str(value or 0)) / 100).quantize(Decimal("0.01"))


def _expected_loss_cents():  # type: ignore[no-untyped-def]
    value_at_stake = func.coalesce(
        Prediction.predicted_value_12m_cents, CustomerStats.lifetime_value_cents, 0
    )
    return func.coalesce(func.sum(value_at_stake * ChurnRisk.score / 100.0), 0)


def _source():  # type: ignore[no-untyped-def]
    return customer_source().outerjoin(Prediction, Prediction.customer_id == Customer.id)


def _churn_counts():  # type: ignore[no-untyped-def]
    return [func.sum(case((ChurnRisk.level == level, 1), else_=0)) for level in ChurnLevel] + [
        func.sum(case((ChurnRisk.id.is_(None), 1), else_=0))
    ]


def _mix(values: tuple) -> dict[str, int]:  # type: ignore[type-arg]
    keys = [level.value for level in ChurnLevel] + [NOT_SCORED]
    return {k: int(v or 0) for k, v in zip(keys, values, strict=True)}


SNAPSHOT_KEY = "portfolio_snapshot"


@requires(Permission.VIEW_PORTFOLIO)
def portfolio_overview(actor: Actor, session: Session) -> Portfolio:
    """The stored portfolio snapshot; computed live (and stored) when there is none yet."""
    stored = session.get(AppSetting, SNAPSHOT_KEY)
    if stored is not None and isinstance(stored.value, dict):
        try:
            return _from_json(stored.value)
        except (KeyError, TypeError, ValueError):
            pass  # unreadable snapshot: recompute below
    return store_portfolio_snapshot(session)


@requires(Permission.VIEW_PORTFOLIO)
def recalculate_portfolio(actor: Actor, session: Session) -> Portfolio:
    """Compute the overview live now and store it as the snapshot (audited)."""
    previous = session.get(AppSetting, SNAPSHOT_KEY)
    before = {"computed_at": previous.updated_at.isoformat()} if previous else None
    portfolio = store_portfolio_snapshot(session, updated_by_id=actor.id)
    audit.record(
        session,
        actor,
        "portfolio.recalculated",
        entity_type="portfolio",
        summary="Recalculated the portfolio overview",
        before=before,
        after={"computed_at": (portfolio.computed_at or utcnow()).isoformat()},
    )
    return portfolio


def store_portfolio_snapshot(session: Session, updated_by_id: int | None = None) -> Portfolio:
    """Compute the overview live and store it in app_settings (caller's transaction)."""
    portfolio = compute_portfolio(session)
    row = session.get(AppSetting, SNAPSHOT_KEY)
    if row is None:
        row = AppSetting(key=SNAPSHOT_KEY)
        session.add(row)
    row.value = _to_json(portfolio)
    row.updated_by_id = updated_by_id
    row.updated_at = portfolio.computed_at or utcnow()
    session.flush()
    return portfolio


def refresh_portfolio_snapshot(engine: Engine, _summary: object = None) -> None:
    """Post-score / post-refresh hook: store a fresh snapshot in its own transaction."""
    with transaction(engine) as session:
        store_portfolio_snapshot(session)


def _to_json(p: Portfolio) -> dict:  # type: ignore[type-arg]
    data = asdict(p)
    data["computed_at"] = p.computed_at.isoformat() if p.computed_at else None
    return json.loads(json.dumps(data, default=str))


def _from_json(d: dict) -> Portfolio:  # type: ignore[type-arg]
    return Portfolio(
        customers=int(d["customers"]),
        revenue=Decimal(d["revenue"]),
        revenue_at_risk=Decimal(d["revenue_at_risk"]),
        churn_scored=int(d["churn_scored"]),
        segments=tuple(
            SegmentSummary(
                **{
                    **s,
                    "revenue": Decimal(s["revenue"]),
                    "revenue_at_risk": Decimal(s["revenue_at_risk"]),
                }
            )
            for s in d["segments"]
        ),
        managers=tuple(
            ManagerSummary(
                **{
                    **m,
                    "revenue": Decimal(m["revenue"]),
                    "revenue_at_risk": Decimal(m["revenue_at_risk"]),
                }
            )
            for m in d["managers"]
        ),
        health_histogram=tuple(tuple(b) for b in d["health_histogram"]),  # type: ignore[misc]
        health_levels=dict(d["health_levels"]),
        not_health_scored=int(d["not_health_scored"]),
        trend=tuple(TrendPoint(**t) for t in d["trend"]),
        computed_at=datetime.fromisoformat(d["computed_at"]) if d.get("computed_at") else None,
    )


def compute_portfolio(session: Session) -> Portfolio:
    """Everything the Portfolio page shows, computed live in a handful of aggregate queries."""
    revenue = func.coalesce(func.sum(CustomerStats.lifetime_value_cents), 0)
    totals = session.execute(
        select(func.count(), revenue, _expected_loss_cents(), func.count(ChurnRisk.id)).select_from(
            _source()
        )
    ).one()
    segment_rows = session.execute(
        select(
            Segment.id,
            Segment.name,
            Segment.is_builtin,
            func.count(),
            revenue,
            func.avg(HealthScore.score),
            _expected_loss_cents(),
            *_churn_counts(),
        )
        .select_from(_source())
        .join(CustomerSegment, CustomerSegment.customer_id == Customer.id)
        .join(Segment, Segment.id == CustomerSegment.segment_id)
        .group_by(Segment.id, Segment.name, Segment.is_builtin)
        .order_by(Segment.is_builtin.desc(), Segment.name)
    ).all()
    segments = tuple(
        SegmentSummary(
            segment_id=r[0],
            name=r[1],
            is_builtin=bool(r[2]),
            customers=int(r[3]),
            revenue=_cents(r[4]),
            average_health=None if r[5] is None else round(float(r[5]), 1),
            churn_mix=_mix(tuple(r[7:])),
            revenue_at_risk=_cents(r[6]),
        )
        for r in segment_rows
    )
    high = func.sum(case((ChurnRisk.level == ChurnLevel.HIGH, 1), else_=0))
    manager_rows = session.execute(
        select(
            Customer.account_manager_id,
            StaffUser.name,
            func.count(),
            revenue,
            high,
            _expected_loss_cents(),
        )
        .select_from(_source())
        .outerjoin(StaffUser, StaffUser.id == Customer.account_manager_id)
        .group_by(Customer.account_manager_id, StaffUser.name)
        .order_by(_expected_loss_cents().desc())
    ).all()
    managers = tuple(
        ManagerSummary(
            manager_id=r[0],
            manager=r[1] or "Unassigned",
            customers=int(r[2]),
            revenue=_cents(r[3]),
            high_risk_customers=int(r[4] or 0),
            revenue_at_risk=_cents(r[5]),
        )
        for r in manager_rows
    )
    bucket = case(*[(HealthScore.score < b * 10 + 10, b) for b in range(9)], else_=9)
    histogram_counts = dict(session.execute(select(bucket, func.count()).group_by(bucket)).all())
    histogram = tuple((b * 10, b * 10 + 10, int(histogram_counts.get(b, 0))) for b in range(10))
    levels = dict(
        session.execute(select(HealthScore.level, func.count()).group_by(HealthScore.level)).all()
    )
    health_levels = {level.value: int(levels.get(level, 0)) for level in HealthLevel}
    scored = sum(health_levels.values())
    return Portfolio(
        customers=int(totals[0]),
        revenue=_cents(totals[1]),
        revenue_at_risk=_cents(totals[2]),
        churn_scored=int(totals[3]),
        segments=segments,
        managers=managers,
        health_histogram=histogram,
        health_levels=health_levels,
        not_health_scored=int(totals[0]) - scored,
        trend=score_trend(session),
        computed_at=utcnow(),
    )


def score_trend(session: Session, days: int = TREND_DAYS) -> tuple[TrendPoint, ...]:
    """Average health and churn mix per scored day, from the summary each scoring run stores.

    One row per run instead of one per customer and run; the last run for a day stands for it.
    """
    since = utcnow() - timedelta(days=days)
    fits = session.execute(
        select(ModelFit.as_of, ModelFit.metrics)
        .where(ModelFit.as_of >= since)
        .order_by(ModelFit.as_of, ModelFit.id)
    ).all()
    by_day: dict[str, TrendPoint] = {}
    for as_of, metrics in fits:
        summary = metrics if isinstance(metrics, dict) else {}
        if summary.get("average_health") is None:
            continue  # a run from before summaries were kept, or of an empty store
        mix = {str(k): int(v) for k, v in (summary.get("churn_mix") or {}).items()}
        day = as_of.date().isoformat()
        by_day[day] = TrendPoint(
            day=day,
            average_health=round(float(summary["average_health"]), 1),
            customers=int(summary.get("customers_scored") or 0),
            churn_mix=_mix(tuple(mix.get(level, 0) for level in ChurnLevel) + (0,)),
        )
    return tuple(by_day.values())
