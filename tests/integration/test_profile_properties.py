"""Property: lifetime value is exactly the sum of delivered and completed orders, any history."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from c360 import models as m
from c360.db import make_engine, session_factory
from c360.models import REVENUE_STATUSES, StaffRole, utcnow
from c360.profile import build_customer_360
from tests import factories


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "ltv.sqlite3"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


histories = st.lists(
    st.tuples(
        st.sampled_from(list(m.OrderStatus)),
        # Up to $10M per order: large enough to break any float arithmetic.
        st.integers(min_value=0, max_value=1_000_000_000),
        st.integers(min_value=0, max_value=2000),
    ),
    max_size=30,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_lifetime_value_equals_the_completed_order_sum_for_any_history(sqlite_engine, history):
    now = utcnow()
    with session_factory(sqlite_engine)() as s:
        actor = factories.actor_of(factories.staff(s, StaffRole.ANALYST))
        customer = factories.customer(s)
        for status, cents, days_ago in history:
            factories.order(
                s,
                customer,
                total_cents=cents,
                status=status,
                created_at=now - timedelta(days=days_ago),
            )
        s.commit()
        cid = customer.id
    metrics = build_customer_360(sqlite_engine, actor, cid, now=now).metrics
    revenue = [cents for status, cents, _ in history if status in REVENUE_STATUSES]
    assert metrics.lifetime_value == Decimal(sum(revenue)) / 100
    assert metrics.completed_orders == len(revenue)
    assert metrics.total_orders == len(history)
    assert metrics.lifetime_value.as_tuple().exponent == -2
