"""The back-test on CDNOW and on simulated data: output keys, sanity, and the churn-rule bar."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from c360.cli import main
from c360.scoring import backtest, rfm, synthetic
from c360.scoring.bgnbd import BgNbdParams
from c360.scoring.gamma_gamma import GammaGammaParams
from tests.datasets import CDNOW_SAMPLE as CDNOW

KEYS = {"auc_model", "auc_recency", "predicted_purchases", "actual_purchases", "by_frequency"}


@pytest.fixture(scope="module")
def cdnow() -> rfm.Transactions:
    return rfm.load_cdnow(CDNOW)


def _assert_sane(result: backtest.BacktestResult) -> None:
    data = result.as_dict()
    assert set(data) >= KEYS
    assert 0.0 <= data["auc_model"] <= 1.0 and 0.0 <= data["auc_recency"] <= 1.0
    assert 0.67 < data["predicted_purchases"] / data["actual_purchases"] < 1.5
    assert sum(row["customers"] for row in data["by_frequency"]) == data["customers"]
    means = [row["mean_actual"] for row in data["by_frequency"]]
    assert means[-1] > means[0]  # frequent buyers keep buying more
    json.dumps(data)


@pytest.mark.parametrize("horizon_days", [90, 273])
def test_cdnow_backtest_is_sane_and_the_churn_probability_beats_recency(
    cdnow: rfm.Transactions, horizon_days: int
) -> None:
    result = backtest.backtest_transactions(cdnow, date(1997, 9, 30), horizon_days)
    _assert_sane(result)
    assert result.customers == 2357
    assert result.auc_model >= result.auc_recency


@pytest.mark.parametrize("cutoff", [date(1997, 6, 30), date(1997, 12, 31), date(1998, 3, 31)])
def test_the_churn_probability_ranks_at_least_as_well_as_recency_at_other_cutoffs(
    cdnow: rfm.Transactions, cutoff: date
) -> None:
    result = backtest.backtest_transactions(cdnow, cutoff, 90)
    assert result.auc_model >= result.auc_recency


def test_one_minus_p_alive_would_rank_churners_worse_than_chance_on_cdnow(
    cdnow: rfm.Transactions,
) -> None:
    # Why the probability shown is not 1 - P(alive): one-time buyers all count as alive.
    result = backtest.backtest_transactions(cdnow, date(1997, 9, 30), 90)
    assert result.alternatives["auc_one_minus_p_alive"] < 0.5 < result.auc_model


def test_backtest_on_simulated_store_data_is_sane() -> None:
    transactions = synthetic.simulate(
        2000,
        BgNbdParams(0.6, 50.0, 0.9, 4.0),
        GammaGammaParams(5, 3, 4000),
        start=date(2024, 1, 1),
        end=date(2025, 12, 31),
        seed=7,
    )
    result = backtest.backtest_transactions(transactions, date(2025, 9, 30), 90)
    _assert_sane(result)
    assert result.auc_model >= result.auc_recency - 0.01


def test_auc_counts_ties_as_half_and_needs_both_classes() -> None:
    assert backtest.auc(np.array([1, 2, 3, 4]), np.array([0, 0, 1, 1])) == 1.0
    assert backtest.auc(np.array([1, 1]), np.array([0, 1])) == 0.5
    assert np.isnan(backtest.auc(np.array([1, 2]), np.array([1, 1])))


def test_model_fit_json_prints_exactly_the_documented_shape(
    cdnow: rfm.Transactions, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["model", "fit", "--cdnow", str(CDNOW), "--as-of", "1997-09-30", "--weeks", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"bgnbd", "gamma_gamma", "customers"}
    assert set(data["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(data["gamma_gamma"]) == {"p", "q", "gamma"}
    assert data["customers"] == 2357
    assert data["bgnbd"]["alpha"] == pytest.approx(4.414, rel=0.01)


def test_backtest_command_prints_the_result_as_json(
    cdnow: rfm.Transactions, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "backtest",
        "--cdnow",
        str(CDNOW),
        "--cutoff",
        "1997-09-30",
        "--horizon-days",
        "273",
        "--json",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= KEYS and data["horizon_days"] == 273


def test_a_horizon_below_one_day_is_refused(
    cdnow: rfm.Transactions, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["backtest", "--cdnow", str(CDNOW), "--cutoff", "1997-09-30", "--horizon-days", "0"]
    assert main(argv) == 1
    assert "horizon must be at least one day" in capsys.readouterr().err
