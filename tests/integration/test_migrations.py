"""The Alembic chain builds, removes and rebuilds the schema, with no drift from the models."""

from __future__ import annotations

import json

from sqlalchemy import Engine, inspect

from c360 import migrate
from c360.models import Base


def test_migrations_go_up_down_and_up_again_without_drift(engine: Engine) -> None:
    migrate.check(engine)
    migrate.downgrade(engine, "base")
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.check(engine)


def test_score_explanations_stored_as_json_read_the_same_after_they_become_text(
    engine: Engine,
) -> None:
    from datetime import datetime

    from sqlalchemy import select, text

    from c360.db import session_factory
    from c360.models import ChurnRisk, HealthScore
    from tests import factories

    with session_factory(engine)() as session:
        customer = factories.customer(session).id
        session.commit()
    migrate.downgrade(engine, "0001")
    details, factors = [1.0, None, 3.5], [[0.5, 2.0], [0.1]]
    with engine.begin() as conn:
        cast = "CAST(:{} AS JSONB)" if engine.dialect.name == "postgresql" else ":{}"
        conn.execute(
            text(
                "INSERT INTO health_scores (customer_id, score, purchase_score, engagement_score,"
                " support_score, recency_score, level, details, calculated_at) VALUES"
                f" (:c, 50, 1, 2, 3, 4, 'fair', {cast.format('d')}, :t)"
            ),
            {"c": customer, "d": json.dumps(details), "t": datetime(2025, 6, 1)},
        )
        conn.execute(
            text(
                "INSERT INTO churn_risks (customer_id, level, score, engagement_decline,"
                " support_issues, value_at_stake_cents, expected_loss_cents, factors,"
                f" calculated_at) VALUES (:c, 'LOW', 10, 0, 0, 0, 0, {cast.format('f')}, :t)"
            ),
            {"c": customer, "f": json.dumps(factors), "t": datetime(2025, 6, 1)},
        )
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        assert session.scalar(select(HealthScore.details)) == details
        assert session.scalar(select(ChurnRisk.factors)) == factors
