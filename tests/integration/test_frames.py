"""Large results read column-wise give the same frame on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, literal, select

from c360 import models as m
from c360.db import session_factory
from c360.frames import read_frame
from tests import factories


def test_a_query_reads_as_a_frame_with_nulls_as_missing_values(engine: Engine) -> None:
    with session_factory(engine)() as session:
        managed = factories.customer(session, name='O\'Brien, "Ann"')
        factories.customer(session, name="Plain")
        factories.order(session, managed, total_cents=1250, created_at=datetime(2025, 1, 2))
        session.commit()
        statement = (
            select(m.Customer.name, func.sum(m.Order.total_cents), func.max(m.Order.created_at))
            .outerjoin(m.Order, m.Order.customer_id == m.Customer.id)
            .where(m.Customer.registered_at < datetime(2100, 1, 1))
            .group_by(m.Customer.name)
            .order_by(m.Customer.name)
        )
        frame = read_frame(session, statement, ["name", "spent", "last"])
    assert frame["name"].tolist() == ['O\'Brien, "Ann"', "Plain"]
    assert frame["spent"].iloc[0] == 1250 and math.isnan(float(frame["spent"].iloc[1]))
    assert str(frame["last"].iloc[0]).startswith("2025-01-02")


def test_an_empty_result_is_an_empty_frame_with_the_named_columns(engine: Engine) -> None:
    with session_factory(engine)() as session:
        frame = read_frame(session, select(m.Customer.id, m.Customer.name), ["id", "name"])
    assert frame.empty and list(frame.columns) == ["id", "name"]


def test_naming_more_or_fewer_columns_than_selected_is_refused(engine: Engine) -> None:
    with session_factory(engine)() as session, pytest.raises(ValueError, match="2 columns"):
        read_frame(session, select(m.Customer.id, m.Customer.name), ["id"])


def test_a_statement_with_a_percent_operator_reads_the_same_on_both_databases(
    engine: Engine,
) -> None:
    with session_factory(engine)() as session:
        frame = read_frame(session, select(literal(17) % literal(5)), ["rest"])
    assert frame["rest"].tolist() == [2]


@pytest.mark.postgres
def test_a_read_with_a_planner_setting_runs_with_it(pg_engine: Engine) -> None:
    with session_factory(pg_engine)() as session:
        statement = select(func.current_setting("enable_hashagg"))
        assert read_frame(session, statement, ["v"])["v"].tolist() == ["on"]
        changed = read_frame(session, statement, ["v"], planner={"enable_hashagg": "off"})
        assert changed["v"].tolist() == ["off"]
        assert session.scalar(statement) == "on"


@pytest.mark.postgres
def test_numeric_sums_read_as_floats(pg_engine: Engine) -> None:
    with session_factory(pg_engine)() as session:
        statement = select(func.sum(literal(2**40)) + 0.5, func.avg(literal(3)))
        frame = read_frame(session, statement, ["sum", "mean"])
    assert frame.dtypes.tolist() == ["float64", "float64"]
    assert frame.iloc[0].tolist() == [2**40 + 0.5, 3.0]
