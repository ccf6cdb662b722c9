"""The benchmark: latency of the screens' data calls, batch jobs, baselines and server memory.

``run_benchmark`` returns the JSON-ready report (keys in ``REPORT_KEYS``); a measurement that
cannot run is reported as null with a ``reason`` rather than stopping the run.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from c360.bench import batch, server, workloads
from c360.bench.dataset import bench_actor, count_orders, draw_inputs, ensure_demo_database
from c360.bench.timing import summarise_ms, time_calls, time_once
from c360.bench.workloads import Unavailable

LATENCY_KEYS = tuple(workloads.LATENCY)
REPORT_KEYS = (
    "customers",
    *LATENCY_KEYS,
    "scoring_s",
    "segments_refresh_s",
    "aggregate_pass_s",
    "pk_fetch_ms",
    "orders_fetch_ms",
    "rss_mb",
)
MIN_WARMUP = 5


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> str:
    """The machine's 1/5/15-minute load average: the figures mean little on a busy machine."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _latency(
    ctx: workloads.Context, make: Callable, calls: int, budget_s: float | None = None
) -> dict[str, Any]:
    try:
        batch_of_calls = make(ctx, calls)
        warmup = max(MIN_WARMUP, calls // 10)
        durations = time_calls(lambda c: c(), batch_of_calls, warmup=warmup, budget_s=budget_s)
    except Unavailable as exc:
        return {"p50_ms": None, "p95_ms": None, "max_ms": None, "reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one broken feature must not end a long run
        return {"p50_ms": None, "p95_ms": None, "max_ms": None, "reason": _failure(exc)}
    figures: dict[str, Any] = summarise_ms(durations)
    if len(durations) < calls:
        figures["calls"] = len(durations)
        figures["reason"] = f"time budget of {budget_s:g} s reached after {len(durations)} calls"
    return figures


def _failure(exc: Exception) -> str:
    """The reason recorded for a measurement that raised: ``failed: <type>: <message>``."""
    traceback.print_exception(exc, file=sys.stderr)
    return f"failed: {type(exc).__name__}: {str(exc)[:300]}"


def _seconds(job: Callable[[], float]) -> tuple[float | None, str | None]:
    try:
        return round(job(), 4), None
    except Unavailable as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one broken job must not end a long run
        return None, _failure(exc)


def run_benchmark(
    engine: Engine,
    customers: int,
    seed: int = 42,
    calls: int = 200,
    measure_memory: bool = True,
    budget_s: float | None = None,
    run_jobs: bool = True,
) -> dict[str, Any]:
    """Build or reuse the demo database, measure everything, return the report."""
    _say(f"load average before: {_load()}")
    count, built = ensure_demo_database(engine, customers, seed)
    _say(f"{'built' if built else 'reusing'} a database of {count:,} customers")
    inputs = draw_inputs(engine, count=min(calls, 500), seed=seed)
    ctx = workloads.Context(engine=engine, actor=bench_actor(engine), inputs=inputs)
    report: dict[str, Any] = {"customers": count, **{key: None for key in REPORT_KEYS[1:]}}
    report["orders"] = count_orders(engine)
    reasons: dict[str, str] = {}

    # Batch jobs first: the screens are then measured on scored, segmented customers.
    _say("one GROUP BY customer_id pass over orders …")
    workloads.aggregate_pass(engine)  # warm: the scoring job below finds the cache warm too
    report["aggregate_pass_s"] = round(time_once(lambda: workloads.aggregate_pass(engine)), 4)
    if run_jobs:
        _say("rescoring every customer …")
        steps: dict[str, float] = {}
        report["scoring_s"], reasons["scoring_s"] = _seconds(
            lambda: batch.rescore_all(engine, steps)
        )
        report["scoring_steps_s"] = steps or None
        _say(f"  scoring_s: {report['scoring_s']} (aggregate pass {report['aggregate_pass_s']})")
        _say(f"  steps: {steps}")
        _say("refreshing every segment …")
        report["segments_refresh_s"], reasons["segments_refresh_s"] = _seconds(
            lambda: batch.refresh_segments(engine)
        )
    else:
        reasons["scoring_s"] = reasons["segments_refresh_s"] = "skipped (--skip-jobs)"
    for key, make in workloads.LATENCY.items():
        _say(f"measuring {key} ({calls} calls) …")
        report[key] = _latency(ctx, make, calls, budget_s)
        _say(f"  {key}: {report[key]}")
    for key, make in workloads.BASELINES.items():
        _say(f"measuring {key} ({calls} calls) …")
        figures = _latency(ctx, make, calls, budget_s)
        _say(f"  {key}: p50 {figures['p50_ms']}, p95 {figures['p95_ms']}, max {figures['max_ms']}")
        report[key] = figures["p95_ms"]

    if measure_memory:
        _say("Streamlit server memory during a scripted browser session …")
        search_text = inputs.name_fragments[0] if inputs.name_fragments else ""
        rss, reason, _urls = server.measure_server_memory(
            engine.url.render_as_string(hide_password=False), inputs.customer_ids, search_text
        )
        report["rss_mb"], reasons["rss_mb"] = rss, reason
    else:
        report["rss_mb"], reasons["rss_mb"] = None, "skipped (--no-server)"

    _say(f"load average after: {_load()}")
    for key, reason in reasons.items():
        if reason:
            report[f"{key}_reason"] = reason
    return report


__all__ = ["REPORT_KEYS", "run_benchmark"]
