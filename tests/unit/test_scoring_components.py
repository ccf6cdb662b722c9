"""Health components, churn probability and levels: bounds, monotonicity and explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from c360.models import ChurnLevel, HealthLevel
from c360.scoring import churn, compute, explain, health, read


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_health_components_and_total_stay_within_0_and_100_for_random_inputs(data) -> None:  # type: ignore[no-untyped-def]
    n = data.draw(st.integers(1, 12))
    arrays = {
        name: data.draw(hnp.arrays(np.float64, n, elements=st.floats(0, 1e4)))
        for name in ("purchase_days", "tenure", "opens", "sessions", "open", "escalated", "hours")
    }
    satisfaction = data.draw(
        hnp.arrays(np.float64, n, elements=st.one_of(st.just(np.nan), st.floats(1, 5)))
    )
    days_since = data.draw(
        hnp.arrays(np.float64, n, elements=st.one_of(st.just(np.nan), st.floats(0, 1e5)))
    )
    weights = {name: data.draw(st.floats(0.01, 10)) for name in health.COMPONENTS}
    components = {
        "purchase": health.purchase_component(arrays["purchase_days"], arrays["tenure"]),
        "engagement": health.engagement_component(
            {"opens": arrays["opens"], "sessions": arrays["sessions"]}
        )[0],
        "support": health.support_component(
            arrays["open"], arrays["escalated"], satisfaction, arrays["hours"], 24.0
        ),
        "recency": health.recency_component(days_since, data.draw(st.floats(0, 1e4))),
    }
    total = health.total_score(components, weights)
    for values in [*components.values(), total]:
        assert np.all((values >= 0) & (values <= 100))


@settings(max_examples=200, deadline=None)
@given(
    earlier=st.floats(0, 5000),
    later_by=st.floats(0, 5000),
    half_life=st.floats(0, 1000),
)
def test_a_more_recent_purchase_never_lowers_the_recency_component(
    earlier: float, later_by: float, half_life: float
) -> None:
    recent, older = health.recency_component(np.array([earlier, earlier + later_by]), half_life)
    assert recent >= older


@settings(max_examples=40, deadline=None)
@given(
    p=hnp.arrays(np.float64, 30, elements=st.floats(0, 1)),
    days=hnp.arrays(np.float64, 30, elements=st.floats(0, 3000)),
    frequency=hnp.arrays(np.float64, 30, elements=st.integers(0, 80).map(float)),
    decline=hnp.arrays(np.float64, 30, elements=st.floats(0, 1)),
    issues=hnp.arrays(np.float64, 30, elements=st.integers(0, 9).map(float)),
    churned=hnp.arrays(bool, 30),
)
def test_the_churn_score_stays_within_0_and_100_for_random_inputs(  # type: ignore[no-untyped-def]
    p, days, frequency, decline, issues, churned
) -> None:
    features = churn.feature_matrix(p, days, frequency, decline, issues)
    calibration = churn.fit_calibration(features, churned)
    probability = calibration.probability(features)
    assert np.all((probability >= 0) & (probability <= 1))
    assert set(churn.levels(probability)) <= {level.value for level in ChurnLevel}


def test_engagement_decline_is_measured_against_the_customers_own_baseline() -> None:
    decline = churn.engagement_decline(
        recent=np.array([3.0, 12.0, 0.0, 5.0, 0.0]),
        baseline=np.array([36.0, 36.0, 0.0, 10.0, 90.0]),
        baseline_days=np.array([270.0, 270.0, 270.0, 10.0, 270.0]),
    )
    # 36 events in 270 days is 12 per 90 days: 3 is a 75% fall, 12 none; no baseline, a too
    # short baseline: nothing to compare against; all activity gone: 100%.
    assert decline.tolist() == pytest.approx([0.75, 0.0, 0.0, 0.0, 1.0])


def test_percentile_score_ranks_against_the_base_and_gives_zero_to_no_activity() -> None:
    scores = health.percentile_score(np.array([0.0, 1.0, 2.0, 2.0]))
    assert scores[0] == 0
    assert scores[1] < scores[2] == scores[3] <= 100


def test_support_component_deducts_for_open_escalated_low_rated_and_slow_tickets() -> None:
    score = health.support_component(
        open_tickets=np.array([0, 1, 0, 0, 0]),
        escalated_open=np.array([0, 1, 0, 0, 0]),
        average_satisfaction=np.array([np.nan, np.nan, 1.0, 5.0, np.nan]),
        average_resolution_hours=np.array([np.nan, np.nan, np.nan, np.nan, 48.0]),
        base_resolution_hours=24.0,
    )
    assert score.tolist() == [100.0, 65.0, 60.0, 100.0, 85.0]


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (80, HealthLevel.EXCELLENT),
        (79.9, HealthLevel.GOOD),
        (60, HealthLevel.GOOD),
        (40, HealthLevel.FAIR),
        (39.9, HealthLevel.POOR),
        (0, HealthLevel.POOR),
    ],
)
def test_health_levels_follow_the_documented_thresholds(score: float, level: HealthLevel) -> None:
    assert health.level_of(score) is level
    assert health.levels(np.array([score]))[0] == level.value


def test_recommendations_follow_the_weakest_components() -> None:
    advice = health.recommendations(
        {"purchase": 70.0, "engagement": 10.0, "support": 100.0, "recency": 30.0}
    )
    assert advice == [health.RECOMMENDATIONS["engagement"], health.RECOMMENDATIONS["recency"]]
    assert health.recommendations({name: 90.0 for name in health.COMPONENTS}) == []


def test_factor_moves_say_which_component_moved_and_its_effect_on_the_total() -> None:
    weights = health.normalise_weights(health.DEFAULT_WEIGHTS)
    before = {"purchase": 50.0, "engagement": 40.0, "support": 100.0, "recency": 80.0}
    after = {"purchase": 50.0, "engagement": 45.0, "support": 60.0, "recency": 20.0}
    moves = explain.factor_moves(before, after, weights)
    assert [m.name for m in moves] == ["Recency", "Support", "Engagement"]
    assert moves[0].delta == -60.0 and moves[0].weighted_delta == pytest.approx(-18.0)


def test_churn_factors_name_the_rhythm_engagement_and_support_and_strategies_follow_them() -> None:
    values = {
        "days_since_last": 120,
        "typical_gap_days": 30,
        "repeat_purchases": 4,
        "engagement_decline": 0.6,
        "engagement_recent": 2,
        "support_issues": 2,
        "p_model": 0.8,
    }
    terms = {
        "model": 1.2,
        "days_since_last": 0.3,
        "repeat_purchases": -0.2,
        "engagement_decline": 0.5,
        "support_issues": 0.1,
    }
    texts = read.churn_factor_texts(values, terms)
    assert texts[0].startswith("No purchase for 120 days: 4.0× their usual gap of 30 days")
    assert any("Engagement down 60%" in t for t in texts)
    assert any("2 support issues" in t for t in texts)
    strategies = read.retention_strategies(values, 125_000)
    assert any("reorder reminder" in s for s in strategies)
    assert any("support issues" in s for s in strategies)
    assert any("$1,250.00" in s for s in strategies)


def test_the_overdue_flag_is_set_only_beyond_the_customers_own_gap() -> None:
    assert read.is_overdue(31, 30.0)
    assert not read.is_overdue(30, 30.0)
    assert not read.is_overdue(400, None)


def test_health_scores_of_a_frame_cover_every_customer_within_bounds() -> None:
    frame = pd.DataFrame(
        {
            "purchased": [True, True, False],
            "frequency": [3.0, 0.0, np.nan],
            "recency": [90.0, 0.0, np.nan],
            "first_day": [1000.0, 1100.0, np.nan],
            "last_day": [1090.0, 1100.0, np.nan],
            "registered_day": [990.0, 1100.0, 1150.0],
            "opens": [2.0, 0.0, 1.0],
            "clicks": [1.0, 0.0, 0.0],
            "sessions": [5.0, 1.0, 0.0],
            "loyalty_events": [0.0, 0.0, 0.0],
            "open_tickets": [0.0, 1.0, 0.0],
            "escalated_open": [0.0, 0.0, 0.0],
            "average_satisfaction": [np.nan, 2.0, np.nan],
            "average_resolution_hours": [np.nan, 30.0, np.nan],
        },
        index=pd.Index([1, 2, 3], name="customer_id"),
    )
    frame.attrs["end_day"] = 1200
    scores, half_life, _, used = compute.health_scores(frame, health.DEFAULT_WEIGHTS)
    assert half_life == 30.0
    assert used == ["opens", "clicks", "sessions"]
    assert scores.loc[3, "purchase_score"] == 0 and scores.loc[3, "recency_score"] == 0
    assert scores["health_score"].between(0, 100).all()
