"""Bulk score writes on SQLite and PostgreSQL: upserts skip nothing a reader would see."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select

from c360 import models as m
from c360.db import session_factory
from c360.scoring import bulk
from tests import factories


def _predictions(customer_ids: list[int], calculated_at: datetime, alive: list[float]):  # type: ignore[no-untyped-def]
    return pd.DataFrame(
        {
            "customer_id": customer_ids,
            "calculated_at": calculated_at,
            "prob_alive": alive,
            "prob_no_purchase_90d": 0.5,
            "expected_purchases_90d": 1.0,
            "predicted_value_12m_cents": 1000,
            "expected_next_order_at": datetime(2025, 7, 1),
            "typical_gap_days": 30.0,
            "frequency": 2,
            "recency_days": 10.0,
            "age_days": 100.0,
            "avg_order_value_cents": 500,
        }
    )


def _stored(session, table):  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(table.c.customer_id, table.c.prob_alive, table.c.calculated_at).order_by(
            table.c.customer_id
        )
    ).all()
    return [(r.prob_alive, r.calculated_at) for r in rows]


def test_an_upsert_rewrites_only_changed_rows_and_their_stamp_records_the_change(
    engine: Engine,
) -> None:
    table = m.Prediction.__table__
    with session_factory(engine)() as session:
        ids = [factories.customer(session).id for _ in range(3)]
        session.commit()
        first, second = datetime(2025, 6, 1), datetime(2025, 6, 2)
        for stamp, alive in ((first, [0.1, 0.2, 0.3]), (second, [0.1, 0.9, 0.3])):
            bulk.write_frame(
                session,
                table,
                _predictions(ids, stamp, alive),
                upsert_key="customer_id",
                stamp_column="calculated_at",
            )
        session.commit()
        assert _stored(session, table) == [(0.1, first), (0.9, second), (0.3, first)]


def test_an_upsert_with_delete_missing_removes_rows_whose_key_is_gone(engine: Engine) -> None:
    table = m.Prediction.__table__
    stamp = datetime(2025, 6, 1)
    with session_factory(engine)() as session:
        ids = [factories.customer(session).id for _ in range(3)]
        session.commit()
        bulk.write_frame(
            session, table, _predictions(ids, stamp, [0.1, 0.2, 0.3]), upsert_key="customer_id"
        )
        bulk.write_frame(
            session,
            table,
            _predictions(ids[1:2], stamp, [0.5]),
            upsert_key="customer_id",
            delete_missing=True,
        )
        session.commit()
        assert _stored(session, table) == [(0.5, stamp)]
        bulk.write_frame(
            session,
            table,
            _predictions([], stamp, []),
            upsert_key="customer_id",
            delete_missing=True,
        )
        session.commit()
        assert _stored(session, table) == []
