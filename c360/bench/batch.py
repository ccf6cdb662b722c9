"""The batch jobs the bench times once each: rescoring and segment refresh of every customer."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from c360.bench.timing import time_once
from c360.scoring.job import run_post_score_hooks, run_scoring
from c360.segments.refresh import refresh_all_segments


def rescore_all(engine: Engine, steps: dict[str, float] | None = None) -> float:
    """Seconds the scoring job of ``python -m c360 score`` takes for all customers.

    ``steps`` receives the seconds of each of the job's steps (read, fit and score, ...).
    The command's post-score hooks (segment refresh, portfolio snapshot) then run untimed:
    the segment refresh is timed on its own, and the screens are measured on their results.
    """
    started = time.perf_counter()
    summary = run_scoring(engine)
    seconds = time.perf_counter() - started
    if steps is not None:
        steps.update(summary.seconds)
    run_post_score_hooks(engine, summary)
    return seconds


def refresh_segments(engine: Engine) -> float:
    """Seconds ``python -m c360 segments refresh`` (its function) takes for all customers."""
    return time_once(lambda: refresh_all_segments(engine))
