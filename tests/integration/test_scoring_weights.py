"""Health-score weights: admin-only, validated, audited, and used by the next scoring run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from c360 import models as m
from c360.db import session_factory
from c360.errors import PermissionDenied, ValidationError
from c360.permissions import Actor
from c360.profile import build_customer_360
from c360.scoring import explain, job
from c360.scoring.health import DEFAULT_WEIGHTS
from c360.scoring.weights import SETTING_KEY, get_health_weights, set_health_weights
from tests.integration.test_scoring_job import AS_OF, load_purchases

NEW = {"purchase": 1, "engagement": 1, "support": 0, "recency": 2}


@pytest.mark.parametrize(
    "role", [m.StaffRole.MANAGER, m.StaffRole.ACCOUNT_MANAGER, m.StaffRole.ANALYST]
)
def test_only_admins_may_change_the_weights_and_a_refusal_writes_nothing(
    engine: Engine, actors: dict[m.StaffRole, Actor], role: m.StaffRole
) -> None:
    with session_factory(engine)() as session:
        with pytest.raises(PermissionDenied):
            set_health_weights(actors[role], session, NEW)
        session.commit()
        assert session.get(m.AppSetting, SETTING_KEY) is None
        assert session.scalar(select(func.count()).select_from(m.ActivityLog)) == 0
        assert get_health_weights(session) == DEFAULT_WEIGHTS


def test_an_admin_change_is_stored_normalised_and_audited_with_before_and_after(
    engine: Engine, actors: dict[m.StaffRole, Actor]
) -> None:
    admin = actors[m.StaffRole.ADMIN]
    with session_factory(engine)() as session:
        stored = set_health_weights(admin, session, NEW)
        session.commit()
    assert stored == {"purchase": 0.25, "engagement": 0.25, "support": 0.0, "recency": 0.5}
    with session_factory(engine)() as session:
        assert get_health_weights(session) == stored
        entry = session.scalars(select(m.ActivityLog)).one()
        assert entry.action == "scoring.weights_changed" and entry.actor_id == admin.id
        assert entry.before == DEFAULT_WEIGHTS and entry.after == stored
        assert "recency 50%" in entry.summary


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"purchase": 1, "engagement": 1, "support": 1}, "missing: recency"),
        ({**NEW, "loyalty": 1}, "unknown: loyalty"),
        ({**NEW, "support": -1}, "support weight must be zero or more"),
        ({**NEW, "support": "lots"}, "support weight must be a number"),
        ({name: 0 for name in NEW}, "At least one weight"),
        ({**NEW, "recency": float("nan")}, "recency weight must be zero or more"),
    ],
)
def test_bad_weights_get_a_clear_message_and_change_nothing(
    engine: Engine, actors: dict[m.StaffRole, Actor], weights: dict, message: str
) -> None:
    with session_factory(engine)() as session:
        with pytest.raises(ValidationError, match=message):
            set_health_weights(actors[m.StaffRole.ADMIN], session, weights)
        session.commit()
        assert session.get(m.AppSetting, SETTING_KEY) is None


def _purchases_scored_with_new_weights(engine: Engine, actors: dict[m.StaffRole, Actor]) -> None:
    with session_factory(engine)() as session:
        load_purchases(session, None, customers=60)
        set_health_weights(actors[m.StaffRole.ADMIN], session, NEW)
        session.commit()
    job.run_scoring(engine, AS_OF)


def test_the_next_scoring_run_uses_and_shows_the_new_weights(
    engine: Engine, actors: dict[m.StaffRole, Actor]
) -> None:
    _purchases_scored_with_new_weights(engine, actors)
    with session_factory(engine)() as session:
        row = session.scalars(select(m.HealthScore)).first()
        assert row is not None
        fit = session.scalars(select(m.ModelFit)).one()
        assert fit.params["health_weights"]["recency"] == 0.5
        shown = build_customer_360(session, actors[m.StaffRole.ADMIN], row.customer_id).health
        assert shown is not None
        assert {f.name: f.weight for f in shown.factors}["Recency"] == 0.5
        expected = 0.25 * row.purchase_score + 0.25 * row.engagement_score + 0.5 * row.recency_score
        assert row.score == pytest.approx(expected, abs=0.02)


def test_history_moves_are_weighted_with_the_weights_of_the_last_run(
    engine: Engine, actors: dict[m.StaffRole, Actor]
) -> None:
    _purchases_scored_with_new_weights(engine, actors)
    job.run_scoring(engine, AS_OF + timedelta(days=200))
    with session_factory(engine)() as session:
        moved = session.scalars(
            select(m.ScoreHistory.customer_id)
            .group_by(m.ScoreHistory.customer_id)
            .having(func.count() == 2)
        ).first()
        assert moved is not None
        (_, second) = explain.score_history(session, moved)
    weights = {"Purchase frequency": 0.25, "Engagement": 0.25, "Support": 0.0, "Recency": 0.5}
    assert second.moves
    for move in second.moves:
        assert move.weighted_delta == pytest.approx(weights[move.name] * move.delta, abs=0.11)
