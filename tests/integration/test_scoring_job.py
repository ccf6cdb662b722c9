"""The batch scoring job on SQLite and PostgreSQL: stored rows, history, feed and notifications."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from c360 import models as m
from c360.cli import main
from c360.db import session_factory
from c360.permissions import Actor
from c360.profile import build_customer_360
from c360.scoring import backtest, explain, features, job, synthetic
from c360.scoring.bgnbd import BgNbdParams
from c360.scoring.gamma_gamma import GammaGammaParams
from tests import factories

AS_OF = date(2025, 6, 30)


def load_purchases(
    session: Session, manager_id: int | None, *, customers: int = 120, seed: int = 3
) -> list[int]:
    """Customers with simulated BG/NBD purchase histories up to AS_OF (bulk insert)."""
    transactions = synthetic.simulate(
        customers,
        BgNbdParams(0.8, 40.0, 0.7, 3.0),
        GammaGammaParams(5.0, 3.0, 8000.0),
        start=date(2024, 1, 1),
        end=AS_OF,
        seed=seed,
    )
    ids = []
    for _ in range(customers):
        row = factories.customer(
            session, registered_at=datetime(2023, 12, 1), account_manager_id=manager_id
        )
        ids.append(row.id)
    session.execute(
        insert(m.Order),
        [
            {
                "order_number": f"S-{seed}-{i:06d}",
                "customer_id": ids[int(c) - 1],
                "status": m.OrderStatus.COMPLETED,
                "subtotal_cents": int(v),
                "total_cents": int(v),
                "created_at": datetime(1970, 1, 1) + timedelta(days=int(d), hours=12),
            }
            for i, (c, d, v) in enumerate(
                zip(transactions.customer_ids, transactions.days, transactions.values, strict=True)
            )
        ],
    )
    session.commit()
    return ids


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def manager(engine: Engine, actors: dict[m.StaffRole, Actor]) -> Actor:
    return actors[m.StaffRole.ACCOUNT_MANAGER]


def test_scoring_stores_one_row_per_customer_and_a_same_day_rerun_adds_no_history(
    engine: Engine, manager: Actor
) -> None:
    with session_factory(engine)() as session:
        ids = load_purchases(session, manager.id)
        prospect = factories.customer(session, registered_at=datetime(2025, 1, 1)).id
        session.commit()
    summary = job.run_scoring(engine, AS_OF)
    again = job.run_scoring(engine, AS_OF)
    with session_factory(engine)() as session:
        assert count(session, m.HealthScore) == len(ids) + 1
        assert count(session, m.ChurnRisk) == len(ids) + 1
        assert count(session, m.Prediction) == summary.buyers == len(ids)
        assert count(session, m.ScoreHistory) == len(ids) + 1  # nothing moved the second time
        # Every row says when it was last scored.
        stamps = set(session.scalars(select(m.HealthScore.calculated_at)))
        assert stamps == set(session.scalars(select(m.ChurnRisk.calculated_at)))
        assert stamps == {again.calculated_at}
        assert count(session, m.ModelFit) == 2
        scores = session.scalars(select(m.HealthScore.score)).all()
        assert all(0 <= s <= 100 for s in scores)
        churn = session.scalars(select(m.ChurnRisk.score)).all()
        assert all(0 <= s <= 100 for s in churn)
        never = build_customer_360(session, manager, prospect)
        assert never.prediction is None and never.health is not None
        assert never.health.factors[0].score == 0  # no purchase: no purchase component
        assert never.churn is not None and never.churn.factors[0] == "Has never placed an order."
        fit = session.scalars(select(m.ModelFit).order_by(m.ModelFit.id.desc())).first()
        assert fit is not None and set(fit.params["bgnbd"]) == {"r", "alpha", "a", "b"}
        assert fit.customers == len(ids)


def test_a_rescore_that_changes_levels_writes_history_activity_and_notifications(
    engine: Engine, manager: Actor
) -> None:
    with session_factory(engine)() as session:
        ids = load_purchases(session, manager.id, customers=80)
        unmanaged = load_purchases(session, None, customers=40, seed=4)
    job.run_scoring(engine, AS_OF)
    with session_factory(engine)() as session:
        assert count(session, m.ActivityLog) == 0  # a first score is not a change
        assert count(session, m.Notification) == 0
        before = dict(session.execute(select(m.ChurnRisk.customer_id, m.ChurnRisk.level)).all())
        health_before = dict(
            session.execute(select(m.HealthScore.customer_id, m.HealthScore.score)).all()
        )
        churn_before = dict(
            session.execute(select(m.ChurnRisk.customer_id, m.ChurnRisk.score)).all()
        )
    # A year without any purchase: recency collapses, churn risk rises.
    later = job.run_scoring(engine, AS_OF + timedelta(days=365))
    with session_factory(engine)() as session:
        after = dict(session.execute(select(m.ChurnRisk.customer_id, m.ChurnRisk.level)).all())
        changed = {c for c in ids if before[c] != after[c]}
        assert changed, "a year of silence should change some churn levels"
        notes = session.scalars(select(m.Notification)).all()
        assert {n.customer_id for n in notes} == changed
        assert all(n.staff_user_id == manager.id for n in notes)
        assert all(n.kind == "churn_level_changed" for n in notes)
        assert not {n.customer_id for n in notes} & set(unmanaged)
        assert later.churn_notifications == len(notes)

        feed = session.scalars(
            select(m.ActivityLog).where(m.ActivityLog.action == "health_score.changed")
        ).all()
        assert feed and later.health_changes_logged == len(feed)
        for row in feed:
            assert abs(row.after["score"] - row.before["score"]) >= 10 or (
                row.after["level"] != row.before["level"]
            )
            assert row.summary.startswith("Health score fell from")
        health_after = dict(
            session.execute(select(m.HealthScore.customer_id, m.HealthScore.score)).all()
        )
        churn_after = dict(
            session.execute(select(m.ChurnRisk.customer_id, m.ChurnRisk.score)).all()
        )
        moved = {
            c
            for c in health_after
            if round(health_after[c]) != round(health_before[c])
            or round(churn_after[c]) != round(churn_before[c])
            or before[c] != after[c]
        }
        assert changed <= moved
        second = session.scalars(
            select(m.ScoreHistory.customer_id).where(
                m.ScoreHistory.calculated_at == later.calculated_at
            )
        ).all()
        assert sorted(second) == sorted(moved)
        assert count(session, m.ScoreHistory) == len(ids) + len(unmanaged) + len(moved)

        history = explain.score_history(session, feed[0].customer_id)
        assert len(history) == 2
        assert history[1].moves and history[1].moves[0].name == "Recency"
        assert history[1].moves[0].delta < 0


def test_features_read_engagement_and_support_from_their_own_tables(engine: Engine) -> None:
    end = datetime(2025, 6, 30, 12)
    with session_factory(engine)() as session:
        customer = factories.customer(session, registered_at=datetime(2024, 1, 1))
        factories.order(session, customer, created_at=end - timedelta(days=10))
        campaign = m.Campaign(name="June", channel=m.Channel.EMAIL)
        session.add(campaign)
        session.flush()
        for days, opened, clicked in [(5, True, True), (20, True, False), (200, True, False)]:
            sent = end - timedelta(days=days)
            session.add(
                m.CampaignMessage(
                    campaign_id=campaign.id,
                    customer_id=customer.id,
                    channel=m.Channel.EMAIL,
                    sent_at=sent,
                    opened_at=sent + timedelta(hours=1) if opened else None,
                    clicked_at=sent + timedelta(hours=2) if clicked else None,
                )
            )
        session.add(
            m.WebSession(
                customer_id=customer.id,
                device=m.Device.MOBILE,
                started_at=end - timedelta(days=3),
                duration_seconds=100,
                page_views=3,
                bounced=False,
            )
        )
        session.add_all(
            [
                m.SupportTicket(
                    customer_id=customer.id,
                    subject="Broken",
                    status=m.TicketStatus.OPEN,
                    escalated=True,
                    created_at=end - timedelta(days=2),
                ),
                m.SupportTicket(
                    customer_id=customer.id,
                    subject="Late",
                    status=m.TicketStatus.RESOLVED,
                    satisfaction_rating=2,
                    created_at=end - timedelta(days=30),
                    resolved_at=end - timedelta(days=28),
                ),
            ]
        )
        session.commit()
        frame = features.load_features(session, AS_OF)
    row = frame.loc[customer.id]
    assert (row["opens"], row["clicks"], row["opens_baseline"]) == (2, 1, 1)
    assert row["sessions"] == 1
    assert (row["open_tickets"], row["escalated_open"], row["low_rated_recent"]) == (1, 1, 1)
    assert row["average_satisfaction"] == 2.0
    assert row["average_resolution_hours"] == pytest.approx(48.0, abs=0.01)
    assert row["frequency"] == 0 and row["purchased"]


def test_backtest_on_the_database_has_the_documented_keys_and_sane_values(
    engine: Engine, manager: Actor
) -> None:
    with session_factory(engine)() as session:
        load_purchases(session, manager.id, customers=200)
        result = backtest.backtest_database(session, AS_OF - timedelta(days=90), 90)
    data = result.as_dict()
    assert {"auc_model", "auc_recency", "predicted_purchases", "actual_purchases"} <= set(data)
    assert 0 <= data["auc_model"] <= 1 and 0 <= data["auc_recency"] <= 1
    assert data["actual_purchases"] > 0
    assert 0.5 < data["predicted_purchases"] / data["actual_purchases"] < 2.0


def test_the_score_command_runs_the_job_and_the_post_score_hooks(
    engine: Engine, manager: Actor, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as session:
        load_purchases(session, manager.id, customers=60)
    calls: list[job.ScoringSummary] = []
    monkeypatch.setattr("c360.commands.scoring.get_engine", lambda: engine)
    monkeypatch.setattr(job, "POST_SCORE_HOOKS", [lambda _engine, summary: calls.append(summary)])
    assert main(["score", "--as-of", AS_OF.isoformat()]) == 0
    assert "scored 60 customers" in capsys.readouterr().out
    assert len(calls) == 1 and calls[0].customers == 60


@pytest.mark.postgres
def test_the_first_run_leaves_planner_statistics_that_count_the_new_rows(
    pg_engine: Engine,
) -> None:
    with session_factory(pg_engine)() as session:
        ids = load_purchases(session, None, customers=80)
    job.run_scoring(pg_engine, AS_OF)
    with pg_engine.connect() as conn:
        estimated = dict(
            conn.execute(
                text(
                    "SELECT relname, reltuples FROM pg_class "
                    "WHERE relname IN ('health_scores', 'churn_risks', 'score_history')"
                )
            ).all()
        )
    assert estimated == {"health_scores": 80, "churn_risks": 80, "score_history": len(ids)}


@pytest.mark.postgres
def test_two_scoring_runs_at_once_both_finish_and_leave_one_row_per_customer(
    pg_engine: Engine,
) -> None:
    with session_factory(pg_engine)() as session:
        ids = load_purchases(session, None, customers=60)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(job.run_scoring, pg_engine, AS_OF) for _ in range(2)]
        summaries = [run.result() for run in runs]
    with session_factory(pg_engine)() as session:
        assert count(session, m.HealthScore) == count(session, m.ChurnRisk) == len(ids)
        assert count(session, m.ModelFit) == 2
        stamps = set(session.scalars(select(m.HealthScore.calculated_at)))
    assert stamps == {max(s.calculated_at for s in summaries)}
