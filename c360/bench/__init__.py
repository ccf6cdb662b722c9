"""The benchmark: latency of the screens' data calls, batch jobs, baselines and server memory.

``run_benchmark`` returns the JSON-ready report (keys in ``REPORT_KEYS``); a measurement that
cannot run is reported as null with a ``reason`` rather than stopping the run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from c360.bench import batch, server, workloads
from c360.bench.dataset import bench_actor, draw_inputs, ensure_demo_database
from c360.bench.plug import Unavailable
from c360.bench.timing import summarise_ms, time_calls, time_once

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


def _latency(ctx: workloads.Context, make: Callable, calls: int) -> dict[str, Any]:
    try:
        batch_of_calls = make(ctx, calls)
        warmup = max(MIN_WARMUP, calls // 10)
        durations = time_calls(lambda c: c(), batch_of_calls, warmup=warmup)
    except Unavailable as exc:
        return {"p50_ms": None, "p95_ms": None, "max_ms": None, "reason": str(exc)}
    return summarise_ms(durations)


def _seconds(job: Callable[[], float]) -> tuple[float | None, str | None]:
    try:
        return round(job(), 3), None
    except Unavailable as exc:
        return None, str(exc)


def run_benchmark(
    engine: Engine,
    customers: int,
    seed: int = 42,
    calls: int = 200,
    measure_memory: bool = True,
) -> dict[str, Any]:
    """Build or reuse the demo database, measure everything, return the report."""
    count, built = ensure_demo_database(engine, customers, seed)
    _say(f"{'built' if built else 'reusing'} a database of {count:,} customers")
    inputs = draw_inputs(engine, count=min(calls, 500), seed=seed)
    ctx = workloads.Context(engine=engine, actor=bench_actor(engine), inputs=inputs)
    report: dict[str, Any] = {"customers": count}
    reasons: dict[str, str] = {}

    for key, make in workloads.LATENCY.items():
        _say(f"measuring {key} ({calls} calls) …")
        report[key] = _latency(ctx, make, calls)

    _say("rescoring every customer …")
    report["scoring_s"], reasons["scoring_s"] = _seconds(
        lambda: batch.rescore_all(engine, ctx.actor)
    )
    _say("refreshing every segment …")
    report["segments_refresh_s"], reasons["segments_refresh_s"] = _seconds(
        lambda: batch.refresh_segments(engine, ctx.actor)
    )
    _say("one GROUP BY customer_id pass over orders …")
    workloads.aggregate_pass(engine)  # warm the cache the way the jobs above found it
    report["aggregate_pass_s"] = round(time_once(lambda: workloads.aggregate_pass(engine)), 3)
    for key, make in workloads.BASELINES.items():
        _say(f"measuring {key} ({calls} calls) …")
        report[key] = _latency(ctx, make, calls)["p95_ms"]

    if measure_memory:
        _say("Streamlit server memory during a scripted browser session …")
        search_text = inputs.name_fragments[0] if inputs.name_fragments else ""
        rss, reason, _urls = server.measure_server_memory(
            engine.url.render_as_string(hide_password=False), inputs.customer_ids, search_text
        )
        report["rss_mb"], reasons["rss_mb"] = rss, reason
    else:
        report["rss_mb"], reasons["rss_mb"] = None, "skipped (--no-server)"

    for key, reason in reasons.items():
        if reason:
            report[f"{key}_reason"] = reason
    return report


__all__ = ["REPORT_KEYS", "run_benchmark"]
