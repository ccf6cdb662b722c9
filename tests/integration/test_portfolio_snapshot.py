"""The portfolio snapshot: stored after scoring, read by the overview, refreshed on demand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine

from c360.db import session_factory
from c360.models import AppSetting, StaffRole, utcnow
from c360.portfolio import (
    SNAPSHOT_KEY,
    compute_portfolio,
    portfolio_overview,
    recalculate_portfolio,
)
from c360.scoring.job import POST_SCORE_HOOKS, run_post_score_hooks, run_scoring
from c360.segments.refresh import refresh_segments_after_scoring
from c360.stats import refresh_customer_stats
from tests import factories


def _seed(engine: Engine) -> None:
    with session_factory(engine)() as s:
        for i in range(6):
            c = factories.customer(s, name=f"Customer {i}")
            for n in range(1 + i % 3):  # the purchase models need repeat buyers
                factories.order(
                    s,
                    c,
                    total_cents=10000 * (i + 1),
                    created_at=utcnow() - timedelta(days=20 + 40 * n),
                )
        refresh_customer_stats(s)
        s.commit()


def test_the_snapshot_hook_runs_after_the_segment_refresh() -> None:
    names = [h.__name__ for h in POST_SCORE_HOOKS]
    assert names.index("refresh_portfolio_snapshot") > names.index(
        refresh_segments_after_scoring.__name__
    )


def test_after_a_rescore_the_snapshot_equals_the_live_computation(engine: Engine, actors) -> None:  # type: ignore[no-untyped-def]
    _seed(engine)
    run_post_score_hooks(engine, run_scoring(engine))
    with session_factory(engine)() as s:
        assert s.get(AppSetting, SNAPSHOT_KEY) is not None
        stored = portfolio_overview(actors[StaffRole.MANAGER], s)
        live = compute_portfolio(s)
    assert stored.customers == 6 and stored.trend
    assert replace(stored, computed_at=None) == replace(live, computed_at=None)


def test_the_overview_reads_the_snapshot_until_recalculated(engine: Engine, actors) -> None:  # type: ignore[no-untyped-def]
    manager = actors[StaffRole.MANAGER]
    with session_factory(engine)() as s:  # no snapshot yet: computed live and stored
        first = portfolio_overview(manager, s)
        s.commit()
        assert first.customers == 0 and s.get(AppSetting, SNAPSHOT_KEY) is not None
    _seed(engine)
    with session_factory(engine)() as s:
        assert portfolio_overview(manager, s).customers == 0
        assert portfolio_overview(manager, s).computed_at == first.computed_at
        fresh = recalculate_portfolio(manager, s)
        s.commit()
    assert fresh.customers == 6
    with session_factory(engine)() as s:
        assert portfolio_overview(manager, s).customers == 6
