"""BG/NBD and Gamma-Gamma by maximum likelihood: CDNOW reproduction and model identities."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c360.errors import ValidationError
from c360.scoring import bgnbd, gamma_gamma, rfm, synthetic
from c360.scoring.bgnbd import BgNbdParams
from c360.scoring.gamma_gamma import GammaGammaParams
from tests.datasets import CDNOW_SAMPLE as CDNOW

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
CALIBRATION_END = date(1997, 9, 30)


@pytest.fixture(scope="module")
def cdnow() -> rfm.Summary:
    return rfm.summarize(rfm.load_cdnow(CDNOW), CALIBRATION_END)


def test_cdnow_summary_counts_purchases_per_distinct_day(cdnow: rfm.Summary) -> None:
    assert len(cdnow) == 2357
    assert int((cdnow.frequency > 0).sum()) == 946
    # Customer 1 bought on 1997-01-01, -01-18 and -08-02 before the end of calibration.
    first = np.flatnonzero(cdnow.customer_ids == 1)[0]
    assert cdnow.frequency[first] == 2
    assert cdnow.recency[first] == (date(1997, 8, 2) - date(1997, 1, 1)).days
    assert cdnow.age[first] == (CALIBRATION_END - date(1997, 1, 1)).days


def test_cdnow_calibration_reproduces_the_published_bgnbd_parameters_within_one_percent(
    cdnow: rfm.Summary,
) -> None:
    params, log_likelihood = bgnbd.fit(cdnow.frequency, cdnow.recency / 7, cdnow.age / 7)
    for name, published in PUBLISHED_BGNBD.items():
        assert getattr(params, name) == pytest.approx(published, rel=0.01), name
    assert log_likelihood == pytest.approx(-9582.4, abs=0.5)


def test_fitting_in_days_gives_the_same_model_with_alpha_seven_times_larger(
    cdnow: rfm.Summary,
) -> None:
    weeks, _ = bgnbd.fit(cdnow.frequency, cdnow.recency / 7, cdnow.age / 7)
    days, _ = bgnbd.fit(cdnow.frequency, cdnow.recency, cdnow.age)
    assert days.alpha == pytest.approx(7 * weeks.alpha, rel=1e-3)
    assert (days.r, days.a, days.b) == pytest.approx((weeks.r, weeks.a, weeks.b), rel=1e-3)


@pytest.mark.parametrize(
    "start", [BgNbdParams(0.25, 31.0, 0.8, 2.4), BgNbdParams(3.0, 200.0, 0.1, 9.0)]
)
def test_a_fit_started_from_earlier_parameters_reaches_the_same_optimum(
    cdnow: rfm.Summary, start: BgNbdParams
) -> None:
    cold, cold_likelihood = bgnbd.fit(cdnow.frequency, cdnow.recency, cdnow.age)
    warm, warm_likelihood = bgnbd.fit(cdnow.frequency, cdnow.recency, cdnow.age, start=start)
    assert warm_likelihood == pytest.approx(cold_likelihood, abs=1e-3)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(warm, name) == pytest.approx(getattr(cold, name), rel=1e-3), name


def test_cdnow_calibration_reproduces_the_published_gamma_gamma_parameters_within_two_percent(
    cdnow: rfm.Summary,
) -> None:
    params, _ = gamma_gamma.fit(cdnow.frequency, cdnow.monetary)
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(params, name) == pytest.approx(published, rel=0.02), name


@pytest.mark.parametrize(
    "start", [GammaGammaParams(6.2, 3.9, 15.4), GammaGammaParams(0.5, 40.0, 2.0)]
)
def test_a_spend_fit_started_from_earlier_parameters_reaches_the_same_optimum(
    cdnow: rfm.Summary, start: GammaGammaParams
) -> None:
    cold, cold_likelihood = gamma_gamma.fit(cdnow.frequency, cdnow.monetary)
    warm, warm_likelihood = gamma_gamma.fit(cdnow.frequency, cdnow.monetary, start=start)
    assert warm_likelihood == pytest.approx(cold_likelihood, abs=1e-3)
    for name in ("p", "q", "gamma"):
        assert getattr(warm, name) == pytest.approx(getattr(cold, name), rel=1e-3), name


@pytest.mark.parametrize("scale", [1.0, 7.3])
def test_distinct_purchase_histories_are_found_alike_for_whole_days_and_fractions(
    scale: float,
) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, 5000).astype(float)
    t_x = rng.integers(0, 60, 5000) / scale
    age = t_x + rng.integers(0, 30, 5000)
    rows, counts = bgnbd._unique_rows(x, t_x, age)
    expected_rows, expected_counts = np.unique(
        np.column_stack([x, t_x, age]), axis=0, return_counts=True
    )
    assert np.array_equal(rows, expected_rows)
    assert np.array_equal(counts, expected_counts)
    assert len(rows) < 5000


def test_bgnbd_recovers_the_parameters_it_simulated_from() -> None:
    truth = BgNbdParams(r=0.5, alpha=40.0, a=0.8, b=3.0)
    transactions = synthetic.simulate(
        3000, truth, GammaGammaParams(6, 4, 1500), start=date(2024, 1, 1), end=date(2025, 6, 30)
    )
    summary = rfm.summarize(transactions, date(2025, 6, 30))
    fitted, _ = bgnbd.fit(summary.frequency, summary.recency, summary.age)
    assert fitted.r == pytest.approx(truth.r, rel=0.2)
    assert fitted.alpha == pytest.approx(truth.alpha, rel=0.2)
    assert fitted.a / (fitted.a + fitted.b) == pytest.approx(truth.a / (truth.a + truth.b), rel=0.2)


def test_one_time_buyers_count_as_alive_under_bgnbd() -> None:
    params = BgNbdParams(0.243, 4.414, 0.793, 2.426)
    alive = bgnbd.prob_alive(params, np.array([0.0, 0.0]), np.array([0.0, 0.0]), np.array([1, 70]))
    assert alive.tolist() == [1.0, 1.0]


summaries = st.tuples(
    st.integers(min_value=0, max_value=60),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=2000),
    st.floats(min_value=0.01, max_value=400),
)


@settings(max_examples=200, deadline=None)
@given(
    summary=summaries,
    r=st.floats(0.05, 5),
    alpha=st.floats(0.5, 500),
    a=st.floats(0.05, 5),
    b=st.floats(0.05, 20),
)
def test_probabilities_and_expectations_stay_sane_for_random_summaries(
    summary: tuple[int, float, float, float], r: float, alpha: float, a: float, b: float
) -> None:
    x, share, age, horizon = summary
    recency = share * age if x > 0 else 0.0
    params = BgNbdParams(r, alpha, a, b)
    args = (np.array([float(x)]), np.array([recency]), np.array([age]))
    alive = bgnbd.prob_alive(params, *args)[0]
    none = bgnbd.prob_no_purchase(params, *args, horizon)[0]
    expected = bgnbd.expected_purchases(params, *args, horizon)[0]
    assert 0.0 <= alive <= 1.0
    assert 0.0 <= none <= 1.0
    assert none >= 1.0 - alive - 1e-12
    assert np.isfinite(expected) and expected >= -1e-9


def test_expected_purchases_are_continuous_through_a_equal_to_one() -> None:
    args = (np.array([0.0, 4.0]), np.array([0.0, 50.0]), np.array([1.0, 80.0]))
    at_one = bgnbd.expected_purchases(BgNbdParams(1.0, 2.0, 1.0 - 1e-16, 1.0), *args, 30.0)
    nearby = bgnbd.expected_purchases(BgNbdParams(1.0, 2.0, 1.01, 1.0), *args, 30.0)
    assert np.all(np.isfinite(at_one)) and at_one == pytest.approx(nearby, rel=0.02)


def test_expected_purchases_grow_with_the_horizon() -> None:
    params = BgNbdParams(0.243, 30.9, 0.793, 2.426)
    args = (np.array([3.0]), np.array([150.0]), np.array([200.0]))
    horizons = [7, 30, 90, 365]
    values = [bgnbd.expected_purchases(params, *args, h)[0] for h in horizons]
    assert values == sorted(values) and values[0] > 0


def test_gamma_gamma_expected_spend_shrinks_a_customer_towards_the_population_mean() -> None:
    params = GammaGammaParams(6.25, 3.74, 15.44)
    population = params.p * params.gamma / (params.q - 1)
    few, many = gamma_gamma.expected_spend(params, np.array([1.0, 20.0]), np.array([100.0, 100.0]))
    assert population < few < many < 100.0


def test_fitting_without_any_repeat_purchase_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="repeat purchase"):
        bgnbd.fit(np.zeros(5), np.zeros(5), np.full(5, 30.0))
