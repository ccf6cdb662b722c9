"""The bench command works end to end at a small N and writes every key of its report.

Speed is measured by the bench, never asserted here: these tests only prove the harness runs
on SQLite and PostgreSQL, reuses an existing database, and reports every figure (or a reason).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from c360.bench import REPORT_KEYS, run_benchmark
from c360.bench.dataset import count_customers, ensure_demo_database, name_fragment
from c360.bench.report import format_table
from c360.bench.timing import percentile, summarise_ms
from c360.cli import main
from c360.errors import ValidationError

SMALL_N = 60
CALLS = 20
LATENCY_FIELDS = {"p50_ms", "p95_ms", "max_ms"}


def _assert_complete(report: dict) -> None:
    assert set(REPORT_KEYS) <= set(report)
    assert report["customers"] >= SMALL_N
    for key in REPORT_KEYS[1:8]:
        assert set(report[key]) >= LATENCY_FIELDS, key
        row = report[key]
        if row["p95_ms"] is None:
            assert row["reason"], f"{key} is null without a reason"
            assert not row["reason"].startswith("failed"), row["reason"]
        else:
            assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"], key
    for key in ("scoring_s", "segments_refresh_s", "rss_mb"):
        assert report[key] is not None or report[f"{key}_reason"], key
        assert not report.get(f"{key}_reason", "").startswith("failed"), report[f"{key}_reason"]
    for key in ("aggregate_pass_s", "pk_fetch_ms", "orders_fetch_ms"):
        assert report[key] > 0, key
    if report["scoring_s"] is not None:
        steps = report["scoring_steps_s"]
        assert list(steps) == ["read", "fit and score", "write", "swap in"]
        assert all(seconds >= 0 for seconds in steps.values())
        assert sum(steps.values()) <= report["scoring_s"] + 0.01


@pytest.mark.slow
def test_bench_builds_a_small_demo_database_and_reports_every_key(
    engine: Engine, tmp_path: Path
) -> None:
    report = run_benchmark(engine, customers=SMALL_N, seed=7, calls=CALLS, measure_memory=False)
    _assert_complete(report)
    assert report["customers"] == count_customers(engine) == SMALL_N
    assert report["rss_mb"] is None and "skipped" in report["rss_mb_reason"]
    assert "profile" in format_table(report)


def test_bench_reuses_a_database_that_already_has_enough_customers(engine: Engine) -> None:
    assert ensure_demo_database(engine, 20, seed=7) == (20, True)
    assert ensure_demo_database(engine, 10, seed=8) == (20, False)
    assert ensure_demo_database(engine, 20, seed=8) == (20, False)


def test_bench_refuses_to_top_up_a_database_with_too_few_customers(engine: Engine) -> None:
    ensure_demo_database(engine, 5, seed=7)
    with pytest.raises(ValidationError, match="fewer than"):
        ensure_demo_database(engine, 10, seed=7)
    assert count_customers(engine) == 5


@pytest.mark.slow
def test_bench_command_writes_the_json_report_with_server_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("C360_DATABASE_URL", f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    out = tmp_path / "bench.json"
    args = ["bench", "--customers", str(SMALL_N), "--calls", str(CALLS), "--json", str(out)]
    assert main(args) == 0
    report = json.loads(out.read_text())
    _assert_complete(report)
    if Path("/usr/bin/chromium").exists() or os.environ.get("C360_REQUIRE_BROWSER") == "1":
        assert report["rss_mb"] is not None, report.get("rss_mb_reason")
        assert 50 < report["rss_mb"] < 4000
    else:
        assert report["rss_mb"] is None and "chromium" in report["rss_mb_reason"]
    assert "rss_mb" in capsys.readouterr().out


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert summarise_ms([0.001, 0.002, 0.010]) == {"p50_ms": 2.0, "p95_ms": 10.0, "max_ms": 10.0}


def test_a_name_fragment_is_a_piece_of_one_word_of_the_name() -> None:
    import random

    rng = random.Random(1)
    for _ in range(50):
        fragment = name_fragment("anaïs o'brien-smith", rng)
        assert len(fragment) == 4
        assert fragment in "anaïs o'brien-smith"
