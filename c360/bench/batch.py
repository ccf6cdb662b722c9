"""The batch jobs the bench times once each: rescoring and segment refresh of every customer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from c360.bench.plug import call, find
from c360.bench.timing import time_once
from c360.permissions import Actor


def rescore_all(engine: Engine, actor: Actor) -> float:
    """Seconds ``python -m c360 score`` (its function) takes for all customers."""
    job = find(
        "c360.scoring.job:run_scoring",
        "c360.scoring.job:rescore_all",
        "c360.scoring.job:score_all",
        "c360.scoring.job:run_scoring",
        "c360.scoring.batch:rescore_all",
        "c360.scoring.batch:score_all",
        "c360.scoring:score_all",
    )
    return time_once(lambda: _run(job, engine, actor))


def refresh_segments(engine: Engine, actor: Actor) -> float:
    """Seconds ``python -m c360 segments refresh`` (its function) takes for all customers."""
    job = find("c360.segments.refresh:refresh_all_segments")
    return time_once(lambda: _run(job, engine, actor))


def _run(job: Any, engine: Engine, actor: Actor) -> Any:
    return call(job, {"engine": engine, "actor": actor, "progress": False, "show_progress": False})
