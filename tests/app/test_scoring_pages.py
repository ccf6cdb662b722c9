"""AppTest of the scoring pages (model quality, at risk, settings) and the profile score widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from c360.db import make_engine, session_factory
from c360.migrate import upgrade
from c360.models import AppSetting, ScoreHistory, StaffRole
from c360.permissions import Actor
from c360.scoring import job
from c360.scoring.weights import SETTING_KEY
from tests import factories
from tests.integration.test_scoring_job import AS_OF, load_purchases

ROOT = Path(__file__).resolve().parents[2]
WIDGETS_SCRIPT = """
from c360.db import get_engine
from c360.models import StaffRole
from c360.permissions import Actor
from c360.profile import build_customer_360
from c360.ui.profile.context import ProfileContext
from c360.ui.scores import render_score_details
engine = get_engine()
actor = Actor(id=0, name="Analyst", email="analyst@example.com", role=StaffRole.ANALYST)
render_score_details(ProfileContext(engine, actor, build_customer_360(engine, actor, {cid})))
"""


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, dict[StaffRole, Actor], list[int]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('scoring_app') / 'app.sqlite3'}"
    engine: Engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        people = {role: factories.actor_of(factories.staff(session, role)) for role in StaffRole}
        session.commit()
        ids = load_purchases(session, people[StaffRole.ACCOUNT_MANAGER].id, customers=150)
    job.run_scoring(engine, AS_OF)
    job.run_scoring(engine, AS_OF.replace(month=AS_OF.month + 1))
    engine.dispose()
    return url, people, ids


def page(path: str, url: str, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("C360_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    at.session_state["actor"] = actor
    return at.run()


def test_model_quality_page_shows_both_aucs_and_the_frequency_table(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, people, _ = world
    at = page("pages/model_quality.py", url, people[StaffRole.MANAGER], monkeypatch)
    assert not at.exception
    labels = [metric.label for metric in at.metric]
    assert "AUC, churn probability" in labels and "AUC, days since last order" in labels
    assert all(0 <= float(m.value) <= 1 for m in at.metric if m.label.startswith("AUC"))
    assert at.dataframe and "mean_predicted" in at.dataframe[0].value.columns


def test_at_risk_page_starts_on_the_account_managers_own_customers(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, people, ids = world
    at = page("pages/at_risk.py", url, people[StaffRole.ACCOUNT_MANAGER], monkeypatch)
    assert not at.exception
    assert at.selectbox[0].value == "mine"
    table = at.dataframe[0].value
    assert {"reason", "expected loss"} <= set(table.columns)
    assert list(table["expected loss"]) == sorted(table["expected loss"], reverse=True)
    assert table["reason"].str.len().min() > 0


def test_scoring_settings_page_is_denied_to_managers(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, people, _ = world
    at = page("pages/scoring_settings.py", url, people[StaffRole.MANAGER], monkeypatch)
    assert at.error and "Access denied" in at.error[0].value
    assert not at.number_input


def test_an_admin_saves_weights_from_the_settings_page(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, people, _ = world
    at = page("pages/scoring_settings.py", url, people[StaffRole.ADMIN], monkeypatch)
    for widget, value in zip(at.number_input, [10.0, 10.0, 0.0, 80.0], strict=True):
        widget.set_value(value)
    at.button[0].click().run()
    assert not at.exception
    assert at.success and "Recency 80%" in at.success[0].value
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert session.get(AppSetting, SETTING_KEY).value["recency"] == pytest.approx(0.8)
        session.delete(session.get(AppSetting, SETTING_KEY))
        session.commit()
    engine.dispose()


def test_profile_widgets_show_factors_weights_predictions_and_history(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, _, ids = world
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert (
            len(
                session.scalars(
                    select(ScoreHistory).where(ScoreHistory.customer_id == ids[0])
                ).all()
            )
            == 2
        )
    engine.dispose()
    monkeypatch.setenv("C360_DATABASE_URL", url)
    at = AppTest.from_string(WIDGETS_SCRIPT.format(cid=ids[0]), default_timeout=60).run()
    assert not at.exception
    factors = at.dataframe[0].value
    assert list(factors["factor"]) == ["Purchase frequency", "Engagement", "Support", "Recency"]
    assert factors["weight"].sum() == pytest.approx(1.0)
    assert {m.label for m in at.metric} >= {"Predicted 12-month value", "Usual days between orders"}
    text = " ".join(md.value for md in at.markdown)
    assert "Health score" in text and "Churn risk" in text
    assert len(at.dataframe) == 2  # factors, then the history moves
