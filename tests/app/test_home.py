"""The home page: counts and monthly charts equal the database; empty and first-start states."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from c360.db import make_engine, session_factory
from c360.demo import load_demo_data
from c360.migrate import upgrade
from c360.models import (
    OPEN_TICKET_STATUSES,
    REVENUE_STATUSES,
    Customer,
    Order,
    StaffRole,
    StaffUser,
    SupportTicket,
    utcnow,
)
from c360.permissions import Actor
from tests.app import with_absolute_pages

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_script(tmp_path: Path) -> Path:
    """app.py copied away from pages/ with absolute page paths (see tests/app/test_auth_gate.py)."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    copy = tmp_path / "app.py"
    copy.write_text(with_absolute_pages(source), encoding="utf-8")
    return copy


def _database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Engine:
    url = f"sqlite:///{tmp_path / name}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    monkeypatch.setenv("C360_DEMO", "off")
    engine = make_engine(url)
    upgrade(engine)
    return engine


def _admin(engine: Engine) -> Actor:
    with session_factory(engine)() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.role == StaffRole.ADMIN)).first()
        if user is None:
            user = StaffUser(email="boss@corp.example", name="Boss", role=StaffRole.ADMIN)
            session.add(user)
            session.commit()
        return Actor(id=user.id, name=user.name, email=user.email, role=user.role)


def _run(script: Path, actor: Actor) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=60)
    at.session_state["actor"] = actor
    return at.run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _charts(at: AppTest) -> dict[str, dict]:
    charts = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        charts[element.proto.id] = spec
    return charts


def test_the_home_page_shows_the_counts_and_revenue_of_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_script: Path
) -> None:
    engine = _database(tmp_path, monkeypatch, "home.sqlite3")
    load_demo_data(engine, 80, seed=4)
    now = utcnow()
    with session_factory(engine)() as s:
        customers = s.scalar(select(func.count()).select_from(Customer))
        orders = s.scalar(select(func.count()).select_from(Order))
        revenue = s.scalar(
            select(func.sum(Order.total_cents)).where(Order.status.in_(REVENUE_STATUSES))
        )
        tickets = s.scalar(
            select(func.count()).where(SupportTicket.status.in_(OPEN_TICKET_STATUSES))
        )
        active = s.scalar(
            select(func.count(func.distinct(Order.customer_id))).where(
                Order.created_at >= now - timedelta(days=90)
            )
        )
        recent_revenue = s.scalar(
            select(func.sum(Order.total_cents)).where(
                Order.status.in_(REVENUE_STATUSES),
                Order.created_at >= _first_day_of_month_23_months_before(now),
            )
        )

    at = _run(app_script, _admin(engine))

    assert not at.exception
    assert _metrics(at) == {
        "Customers": f"{customers:,}",
        "Orders": f"{orders:,}",
        "Revenue": f"${revenue / 100:,.0f}",
        "Open tickets": f"{tickets:,}",
        "Active customers": f"{active:,}",
    }
    revenue_bars = [
        spec for spec in _charts(at).values() if spec["data"][0].get("name") == "Revenue"
    ]
    assert len(revenue_bars) == 1
    bars = revenue_bars[0]["data"][0]
    assert len(bars["x"]) == 24
    assert round(sum(bars["y"]) * 100) == recent_revenue


def _first_day_of_month_23_months_before(now: datetime) -> datetime:
    year, month = divmod(now.year * 12 + now.month - 1 - 23, 12)
    return datetime(year, month + 1, 1)


def test_an_empty_database_gets_a_helpful_empty_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_script: Path
) -> None:
    engine = _database(tmp_path, monkeypatch, "empty.sqlite3")

    at = _run(app_script, _admin(engine))

    assert not at.exception
    assert any("python -m c360 demo" in info.value for info in at.info)
    assert not at.metric


def test_a_first_start_on_an_empty_database_loads_demo_data_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_script: Path
) -> None:
    engine = _database(tmp_path, monkeypatch, "first.sqlite3")
    monkeypatch.setenv("C360_DEMO", "on")
    monkeypatch.setenv("C360_DEMO_CUSTOMERS", "40")

    at = AppTest.from_file(str(app_script), default_timeout=90).run()

    assert not at.exception
    assert any("Loaded demo data: 40 customers" in toast.value for toast in at.toast)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Customer)).scalar() == 40
    again = AppTest.from_file(str(app_script), default_timeout=90).run()
    assert not any("Loaded demo data" in toast.value for toast in again.toast)
