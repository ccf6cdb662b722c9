"""Portfolio figures: per-segment and per-manager sums, revenue at risk, health mix, trends."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from c360.db import session_factory
from c360.errors import PermissionDenied
from c360.models import (
    ChurnLevel,
    ChurnRisk,
    CustomerSegment,
    HealthLevel,
    HealthScore,
    ModelFit,
    Prediction,
    Segment,
    StaffRole,
    utcnow,
)
from c360.permissions import Actor
from c360.portfolio import portfolio_overview
from c360.stats import refresh_customer_stats
from tests import factories


def _health(customer_id: int, score: float, level: HealthLevel) -> HealthScore:
    return HealthScore(
        customer_id=customer_id,
        score=score,
        purchase_score=score,
        engagement_score=score,
        support_score=score,
        recency_score=score,
        level=level,
    )


def test_portfolio_sums_match_the_rows_and_risk_follows_its_definition(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    now = utcnow()
    manager = actors[StaffRole.ACCOUNT_MANAGER]
    with session_factory(engine)() as s:
        a = factories.customer(s, name="A", account_manager_id=manager.id)
        b = factories.customer(s, name="B", account_manager_id=manager.id)
        factories.customer(s, name="C")
        factories.order(s, a, total_cents=10000)
        factories.order(s, b, total_cents=40000)
        s.add_all(
            [
                _health(a.id, 100, HealthLevel.EXCELLENT),
                _health(b.id, 35, HealthLevel.POOR),
                ChurnRisk(customer_id=a.id, level=ChurnLevel.LOW, score=10),
                ChurnRisk(customer_id=b.id, level=ChurnLevel.HIGH, score=80),
                # b's value at stake is the 12-month prediction, not the lifetime value.
                Prediction(
                    customer_id=b.id,
                    calculated_at=now,
                    prob_alive=0.3,
                    prob_no_purchase_90d=0.8,
                    expected_purchases_90d=0.2,
                    predicted_value_12m_cents=20000,
                    frequency=0,
                    recency_days=0,
                    age_days=10,
                    avg_order_value_cents=40000,
                ),
                # The trend comes from each run's stored summary; the last run for a day counts.
                *(
                    ModelFit(
                        fitted_at=datetime.combine((now - timedelta(days=1)).date(), time(hour)),
                        as_of=datetime.combine((now - timedelta(days=1)).date(), time()),
                        customers=2,
                        params={},
                        metrics={
                            "average_health": average,
                            "customers_scored": 2,
                            "churn_mix": {"LOW": 1, "MEDIUM": 0, "HIGH": 1},
                        },
                    )
                    for hour, average in ((10, 50.0), (11, 65.0))
                ),
            ]
        )
        seg = Segment(name="Both", is_automatic=False)
        s.add(seg)
        s.flush()
        s.add_all([CustomerSegment(customer_id=x.id, segment_id=seg.id) for x in (a, b)])
        refresh_customer_stats(s)
        s.commit()
        p = portfolio_overview(actors[StaffRole.MANAGER], s)
    # a: 100.00 × 0.10 = 10.00; b: 200.00 (prediction) × 0.80 = 160.00; c: not scored.
    assert p.revenue_at_risk == Decimal("170.00")
    assert p.customers == 3 and p.revenue == Decimal("500.00") and p.churn_scored == 2
    (both,) = p.segments
    assert (both.customers, both.revenue, both.revenue_at_risk) == (
        2,
        Decimal("500.00"),
        Decimal("170.00"),
    )
    assert both.average_health == 67.5
    assert both.churn_mix == {"LOW": 1, "MEDIUM": 0, "HIGH": 1, "not scored": 0}
    by_name = {m.manager: m for m in p.managers}
    assert by_name[manager.name].revenue_at_risk == Decimal("170.00")
    assert by_name[manager.name].high_risk_customers == 1
    assert by_name["Unassigned"].customers == 1 and by_name["Unassigned"].revenue_at_risk == 0
    assert p.health_histogram[9] == (90, 100, 1) and p.health_histogram[3] == (30, 40, 1)
    assert p.health_levels["poor"] == 1 and p.not_health_scored == 1
    (day,) = p.trend
    assert day.average_health == 65.0 and day.customers == 2 and day.churn_mix["HIGH"] == 1


def test_an_empty_or_unscored_base_shows_zeros_not_invented_numbers(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    with session_factory(engine)() as s:
        factories.customer(s)
        s.commit()
        p = portfolio_overview(actors[StaffRole.ANALYST], s)
    assert p.revenue_at_risk == 0 and p.churn_scored == 0 and p.not_health_scored == 1
    assert p.trend == () and p.segments == ()


def test_the_portfolio_needs_its_permission(engine: Engine) -> None:
    with session_factory(engine)() as s, pytest.raises(PermissionDenied):
        portfolio_overview(None, s)  # type: ignore[arg-type]
