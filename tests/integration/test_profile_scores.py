"""The profile shows the stored scores with their explanations, never invented ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from c360.db import session_factory
from c360.models import OrderStatus, StaffRole, utcnow
from c360.permissions import Actor
from c360.profile import build_customer_360
from c360.scoring.job import run_scoring
from tests import factories


def _store(engine: Engine) -> tuple[int, int]:
    """A small store: a regular buyer and one who stopped buying long ago."""
    now = utcnow()
    with session_factory(engine)() as s:
        regular = factories.customer(s, "Regular Buyer", registered_at=now - timedelta(days=900))
        lapsed = factories.customer(s, "Lapsed Buyer", registered_at=now - timedelta(days=900))
        for k in range(1, 25):
            factories.order(
                s, regular, 4000 + k, OrderStatus.COMPLETED, now - timedelta(days=30 * k)
            )
        for k in range(3):
            factories.order(
                s, lapsed, 3000, OrderStatus.COMPLETED, now - timedelta(days=600 + 40 * k)
            )
        for n in range(30):
            other = factories.customer(s, f"Other {n}", registered_at=now - timedelta(days=800))
            for k in range(n % 5 + 1):
                factories.order(
                    s, other, 2500, OrderStatus.DELIVERED, now - timedelta(days=25 * k + n)
                )
        s.commit()
        return regular.id, lapsed.id


def test_the_profile_explains_stored_scores_with_factors_weights_and_predictions(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    regular_id, lapsed_id = _store(engine)
    before = build_customer_360(engine, actors[StaffRole.ANALYST], regular_id)
    assert (before.health, before.churn, before.prediction) == (None, None, None)

    run_scoring(engine)
    regular = build_customer_360(engine, actors[StaffRole.ANALYST], regular_id)
    lapsed = build_customer_360(engine, actors[StaffRole.ANALYST], lapsed_id)

    assert regular.health is not None and lapsed.health is not None
    assert abs(sum(f.weight for f in regular.health.factors) - 1.0) < 1e-6
    assert all(f.detail for f in regular.health.factors)
    assert regular.health.score > lapsed.health.score
    assert lapsed.health.recommendations
    assert regular.churn is not None and lapsed.churn is not None
    assert lapsed.churn.score > regular.churn.score
    assert lapsed.churn.factors
    assert regular.prediction is not None
    assert regular.prediction.typical_gap_days is not None
    assert 20 <= regular.prediction.typical_gap_days <= 40
