"""The portfolio page: managers' figures, revenue-at-risk definition, links to segment members."""

from __future__ import annotations

from pathlib import Path

import pytest

from c360.db import session_factory
from c360.models import ChurnLevel, ChurnRisk, StaffRole
from c360.segments.refresh import refresh_all_segments
from c360.stats import refresh_customer_stats
from tests import factories
from tests.app.search_apptest import actor, app_copy, database, open_page, plotly_specs, texts


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    engine = database(tmp_path, monkeypatch)
    yield engine
    engine.dispose()


def test_managers_see_segments_risk_and_links_to_members(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as s:
        a = factories.customer(s, name="Recent Buyer")
        factories.order(s, a, total_cents=40000)
        s.add(ChurnRisk(customer_id=a.id, level=ChurnLevel.MEDIUM, score=50))
        refresh_customer_stats(s)
        s.commit()
    refresh_all_segments(engine)
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.MANAGER), "portfolio.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Revenue at risk"] == "$200" and metrics["Customers"] == "1"
    assert "value at stake × churn probability" in texts(at)
    table = at.dataframe[0].value
    row = table[table["Segment"] == "New customers"].iloc[0]
    assert row["Customers"] == 1 and row["Members"].startswith("/search?segment=")
    titles = [
        spec["layout"]["title"]["text"] for spec in plotly_specs(at) if "title" in spec["layout"]
    ]
    assert "Revenue at risk by account manager ($)" in titles
    assert "No score history yet" in texts(at)


def test_analysts_may_view_the_portfolio_and_signed_out_visitors_may_not(
    engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.ANALYST), "portfolio.py")
    assert not at.exception and "Portfolio" in [t.value for t in at.title]
    assert "No segment has members yet" in texts(at)
    assert {m.label: m.value for m in at.metric}["Revenue at risk"] == "—"


def test_the_page_shows_the_stored_snapshot_and_its_time_until_recalculated(
    engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from c360.portfolio import refresh_portfolio_snapshot

    with session_factory(engine)() as s:
        factories.order(s, factories.customer(s, name="First"), total_cents=40000)
        refresh_customer_stats(s)
        s.commit()
    refresh_all_segments(engine)
    refresh_portfolio_snapshot(engine)
    with session_factory(engine)() as s:  # a write after the snapshot
        factories.order(s, factories.customer(s, name="Second"), total_cents=10000)
        refresh_customer_stats(s)
        s.commit()
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.MANAGER), "portfolio.py")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Customers"] == "1"
    assert "As of " in texts(at) and " UTC" in texts(at)
    at.button(key="portfolio_recalculate").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Customers"] == "2"
