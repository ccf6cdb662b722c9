"""Latency sampling: run a call many times after a warm-up and summarise p50, p95 and max."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (fraction in 0..1)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise_ms(seconds: Sequence[float]) -> dict[str, float]:
    """``{"p50_ms", "p95_ms", "max_ms"}`` of durations given in seconds, rounded to 0.01 ms."""
    ordered = sorted(s * 1000.0 for s in seconds)
    return {
        "p50_ms": round(percentile(ordered, 0.50), 2),
        "p95_ms": round(percentile(ordered, 0.95), 2),
        "max_ms": round(ordered[-1], 2),
    }


def time_calls(
    call: Callable[[T], Any], inputs: Sequence[T], warmup: int, budget_s: float | None = None
) -> list[float]:
    """Durations (seconds) of ``call(x)`` for every input, after ``warmup`` untimed calls.

    With ``budget_s`` the timed loop stops once that many seconds have passed (at least one
    call is always timed), so a pathologically slow measurement cannot hold a run for hours.
    """
    warm_until = None if budget_s is None else time.perf_counter() + budget_s / 5
    for x in list(inputs[:warmup]):
        call(x)
        if warm_until is not None and time.perf_counter() > warm_until:
            break
    durations: list[float] = []
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    for x in inputs:
        started = time.perf_counter()
        call(x)
        durations.append(time.perf_counter() - started)
        if deadline is not None and started > deadline:
            break
    return durations


def time_once(call: Callable[[], Any]) -> float:
    """Seconds one call of ``call()`` takes."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started
