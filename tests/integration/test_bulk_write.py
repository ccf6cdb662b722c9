"""Bulk score writes on SQLite and PostgreSQL: a replacement is whole; the table keeps its rules."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pandas as pd
import psycopg
import pyarrow as pa
import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from c360 import models as m
from c360.db import session_factory
from c360.scoring import bulk
from tests import factories

STAMP = datetime(2025, 6, 1)


def _predictions(customer_ids: list[int], alive: list[float]):  # type: ignore[no-untyped-def]
    return pd.DataFrame(
        {
            "customer_id": customer_ids,
            "calculated_at": STAMP,
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


def _stored(session):  # type: ignore[no-untyped-def]
    table = m.Prediction.__table__
    rows = session.execute(
        select(table.c.customer_id, table.c.prob_alive).order_by(table.c.customer_id)
    ).all()
    return [tuple(row) for row in rows]


def _replace(session, frame: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    with bulk.TableReplacer(session) as replacer:
        replacer.replace(m.Prediction.__table__, frame)
        replacer.swap()


def test_a_replacement_leaves_exactly_the_new_rows(engine: Engine) -> None:
    with session_factory(engine)() as session:
        ids = [factories.customer(session).id for _ in range(3)]
        session.commit()
        _replace(session, _predictions(ids, [0.1, 0.2, 0.3]))
        session.commit()
        _replace(session, _predictions(ids[1:2], [0.5]))
        session.commit()
        assert _stored(session) == [(ids[1], 0.5)]
        _replace(session, _predictions([], []))
        session.commit()
        assert _stored(session) == []


def test_a_replacement_that_fails_leaves_the_old_rows(engine: Engine) -> None:
    with session_factory(engine)() as session:
        ids = [factories.customer(session).id for _ in range(2)]
        session.commit()
        _replace(session, _predictions(ids, [0.1, 0.2]))
        session.commit()
        # On PostgreSQL the COPY and constraint checks run on the driver's cursor directly.
        with pytest.raises((IntegrityError, psycopg.errors.ForeignKeyViolation)):
            _replace(session, _predictions([ids[0], 999_999], [0.7, 0.8]))  # no such customer
        session.rollback()
        assert _stored(session) == [(ids[0], 0.1), (ids[1], 0.2)]
        assert not inspect(engine).has_table("predictions__next")


def test_a_replacement_stores_every_column_type_and_missing_values_as_null(engine: Engine) -> None:
    with session_factory(engine)() as session:
        ids = [factories.customer(session).id for _ in range(2)]
        session.commit()
        risks = pd.DataFrame(
            {
                "customer_id": ids,
                "level": ["HIGH", "LOW"],
                "score": [71.25, 0.0],
                "days_since_last_purchase": pd.array([12, None], dtype="Int64"),
                "engagement_decline": [0.5, 0.0],
                "support_issues": [2, 0],
                "value_at_stake_cents": [123_456_789_012, 0],
                "expected_loss_cents": [1, 0],
                "factors": ["[[1,null],[0.5]]", "[]"],
                "calculated_at": STAMP,
            }
        )
        predictions = _predictions(ids, [0.1, 0.2]).assign(
            expected_next_order_at=[datetime(2025, 7, 1, 12, 30), pd.NaT],
            typical_gap_days=[12.5, float("nan")],
        )
        with bulk.TableReplacer(session) as replacer:
            replacer.replace(m.ChurnRisk.__table__, risks)
            replacer.replace(m.Prediction.__table__, predictions)
            replacer.swap()
        session.commit()
        table = m.ChurnRisk.__table__
        stored = session.execute(
            select(
                table.c.customer_id,
                table.c.level,
                table.c.score,
                table.c.days_since_last_purchase,
                table.c.value_at_stake_cents,
                table.c.factors,
                table.c.calculated_at,
            ).order_by(table.c.customer_id)
        ).all()
        assert [tuple(row) for row in stored] == [
            (ids[0], m.ChurnLevel.HIGH, 71.25, 12, 123_456_789_012, [[1, None], [0.5]], STAMP),
            (ids[1], m.ChurnLevel.LOW, 0.0, None, 0, [], STAMP),
        ]
        table = m.Prediction.__table__
        stored = session.execute(
            select(table.c.expected_next_order_at, table.c.typical_gap_days).order_by(
                table.c.customer_id
            )
        ).all()
        assert [tuple(row) for row in stored] == [
            (datetime(2025, 7, 1, 12, 30), 12.5),
            (None, None),
        ]


def test_a_value_that_does_not_fit_its_column_is_refused_before_anything_is_written() -> None:
    frame = _predictions([1], [0.5]).assign(frequency=[2.5])  # an INTEGER column
    with pytest.raises(pa.ArrowInvalid, match="truncated"):
        bulk.arrow_rows(m.Prediction.__table__, frame)
    with pytest.raises(TypeError, match="no binary COPY type for activity_log.before"):
        bulk.arrow_rows(m.ActivityLog.__table__, pd.DataFrame({"before": ['{"a": 1}']}))


def _shape(engine: Engine, name: str) -> dict[str, object]:
    found = inspect(engine)
    return {
        "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
        "pk": found.get_pk_constraint(name),
        "unique": found.get_unique_constraints(name),
        "indexes": found.get_indexes(name),
        "foreign_keys": found.get_foreign_keys(name),
        "checks": found.get_check_constraints(name),
    }


@pytest.mark.postgres
def test_a_replaced_table_keeps_its_name_constraints_indexes_grants_and_id_sequence(
    pg_engine: Engine,
) -> None:
    with session_factory(pg_engine)() as session:
        ids = [factories.customer(session).id for _ in range(2)]
        session.execute(text("GRANT SELECT ON health_scores TO PUBLIC"))
        session.commit()
    before = {name: _shape(pg_engine, name) for name in ("health_scores", "predictions")}
    health = pd.DataFrame(
        {
            "customer_id": ids,
            "score": [50.0, 60.0],
            "purchase_score": 1.0,
            "engagement_score": 2.0,
            "support_score": 3.0,
            "recency_score": 4.0,
            "level": "fair",
            "details": '{"a": [1, 2]}',
            "calculated_at": STAMP,
        }
    )
    with session_factory(pg_engine)() as session:
        for _ in range(2):
            with bulk.TableReplacer(session) as replacer:
                replacer.replace(m.HealthScore.__table__, health)
                replacer.replace(m.Prediction.__table__, _predictions(ids, [0.1, 0.2]))
                replacer.swap()
            session.commit()
        after = {name: _shape(pg_engine, name) for name in before}
        for name in before:
            for key in before[name]:
                assert after[name][key] == before[name][key], (name, key)
        granted = session.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a "
                "WHERE c.relname = 'health_scores' AND a.grantee = 0 "
                "AND a.privilege_type = 'SELECT')"
            )
        )
        assert granted
        # The id sequence still belongs to the table: new rows get ids, and it is dropped with it.
        owner = session.scalar(text("SELECT pg_get_serial_sequence('health_scores', 'id')"))
        assert owner is not None
        assert session.scalar(text("SELECT count(*) FROM health_scores")) == 2
        # The scores still go when their customer does.
        session.execute(text("DELETE FROM customers WHERE id = :id"), {"id": ids[0]})
        assert session.scalar(text("SELECT count(*) FROM health_scores")) == 1
        assert session.scalar(text("SELECT count(*) FROM predictions")) == 1
        session.rollback()
        assert not session.scalar(
            text("SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_\\_next'")
        )


def _hold_a_read(engine: Engine):  # type: ignore[no-untyped-def]
    """A connection whose open transaction has read predictions (a long report, say)."""
    reader = engine.connect()
    reader.execute(text("SELECT count(*) FROM predictions"))
    return reader


@pytest.mark.postgres
def test_a_swap_gives_way_to_a_long_reader_and_lets_new_readers_through(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "SWAP_LOCK_WAIT", "200ms")
    with session_factory(pg_engine)() as session:
        ids = [factories.customer(session).id for _ in range(2)]
        session.commit()
        _replace(session, _predictions(ids, [0.1, 0.2]))
        session.commit()
    long_reader = _hold_a_read(pg_engine)

    def rescore() -> None:
        with session_factory(pg_engine)() as session:
            _replace(session, _predictions(ids, [0.7, 0.8]))
            session.commit()

    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(rescore)
        try:
            time.sleep(1.5)
            assert not running.done()  # still waiting for the long reader
            with pg_engine.connect() as reader:
                # Not stuck behind the waiting swap (a plain DROP would queue it to the end).
                reader.execute(text("SET statement_timeout = '3s'"))
                assert reader.scalar(text("SELECT count(*) FROM predictions")) == 2
        finally:
            long_reader.rollback()
            long_reader.close()
        running.result(timeout=60)
    with session_factory(pg_engine)() as session:
        assert _stored(session) == [(ids[0], 0.7), (ids[1], 0.8)]


@pytest.mark.postgres
def test_a_swap_that_never_gets_its_table_saves_nothing_and_says_so(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "SWAP_LOCK_WAIT", "100ms")
    monkeypatch.setattr(bulk, "SWAP_ATTEMPTS", 3)
    with session_factory(pg_engine)() as session:
        ids = [factories.customer(session).id for _ in range(2)]
        session.commit()
        _replace(session, _predictions(ids, [0.1, 0.2]))
        session.commit()
    long_reader = _hold_a_read(pg_engine)
    try:
        with session_factory(pg_engine)() as session:
            with pytest.raises(bulk.SwapTimeout, match="not saved"):
                _replace(session, _predictions(ids, [0.7, 0.8]))
            session.rollback()
    finally:
        long_reader.rollback()
        long_reader.close()
    with session_factory(pg_engine)() as session:
        assert _stored(session) == [(ids[0], 0.1), (ids[1], 0.2)]
    assert not inspect(pg_engine).has_table("predictions__next")
