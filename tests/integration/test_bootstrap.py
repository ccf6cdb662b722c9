"""First start: the database is migrated, and an empty one gets demo data exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from c360.bootstrap import demo_mode, demo_size, ensure_database, is_embedded_default
from c360.config import default_database_url
from c360.db import make_engine, session_factory
from c360.models import AppSetting, Base, ChurnRisk, Customer, CustomerSegment, HealthScore
from c360.portfolio import SNAPSHOT_KEY


def _count(engine, model=Customer) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar()


def test_an_empty_sqlite_file_is_migrated_and_filled_with_demo_data_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    message = ensure_database(engine, mode="on", demo_customers=30)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    assert message is not None and "Loaded demo data: 30 customers" in message
    assert _count(engine) == 30
    assert ensure_database(engine, mode="on", demo_customers=30) is None
    assert _count(engine) == 30


def test_a_first_start_shows_scores_segments_and_the_portfolio_at_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'scored.sqlite3'}")
    message = ensure_database(engine, mode="on", demo_customers=30)
    assert message is not None and "scored and segmented" in message
    assert _count(engine, HealthScore) == _count(engine, ChurnRisk) == 30
    assert _count(engine, CustomerSegment) > 0
    with session_factory(engine)() as session:
        snapshot = session.get(AppSetting, SNAPSHOT_KEY)
        assert snapshot is not None and isinstance(snapshot.value, dict)


def test_a_configured_database_is_migrated_but_not_filled_in_auto_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'configured.sqlite3'}")
    assert ensure_database(engine, mode="auto", demo_customers=30) is None
    assert "customers" in inspect(engine).get_table_names()
    assert _count(engine) == 0


def test_demo_data_is_never_loaded_when_switched_off(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'off.sqlite3'}")
    assert ensure_database(engine, mode="off", demo_customers=30) is None
    assert _count(engine) == 0


def test_only_the_embedded_default_file_counts_as_the_default(tmp_path: Path) -> None:
    assert is_embedded_default(make_engine(default_database_url()))
    assert not is_embedded_default(make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}"))


@pytest.mark.parametrize(
    ("value", "mode"), [("", "auto"), ("on", "on"), ("OFF", "off"), ("maybe", "auto")]
)
def test_the_demo_setting_reads_auto_on_or_off(
    value: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_DEMO", value)
    assert demo_mode() == mode


def test_the_first_start_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_DEMO_CUSTOMERS", "150")
    assert demo_size() == 150
    monkeypatch.setenv("C360_DEMO_CUSTOMERS", "lots")
    assert demo_size() == 2_000
