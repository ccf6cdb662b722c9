"""B3: a customer's score history and, for each recalculation, which factor moved and how much."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from c360.models import ChurnLevel, HealthLevel, ScoreHistory
from c360.scoring import health
from c360.scoring.read import COMPONENT_LABELS, latest_fit_params
from c360.views import FactorMove, ScoreHistoryEntry


def score_history(
    session: Session, customer_id: int, limit: int = 60
) -> tuple[ScoreHistoryEntry, ...]:
    """The last ``limit`` scoring runs of one customer, oldest first, with the moves between."""
    rows = (
        session.execute(
            select(ScoreHistory)
            .where(ScoreHistory.customer_id == customer_id)
            .order_by(ScoreHistory.calculated_at.desc(), ScoreHistory.id.desc())
            .limit(limit + 1)
        )
        .scalars()
        .all()[::-1]
    )
    fit_params = session.scalar(select(latest_fit_params()))
    stored = fit_params.get("health_weights") if isinstance(fit_params, dict) else None
    weights = health.normalise_weights(
        stored if isinstance(stored, dict) else health.DEFAULT_WEIGHTS
    )
    entries: list[ScoreHistoryEntry] = []
    previous: ScoreHistory | None = None
    for row in rows:
        components = {name: float(getattr(row, f"{name}_score")) for name in health.COMPONENTS}
        moves: tuple[FactorMove, ...] = ()
        if previous is not None:
            moves = factor_moves(
                {name: float(getattr(previous, f"{name}_score")) for name in health.COMPONENTS},
                components,
                weights,
            )
        entries.append(
            ScoreHistoryEntry(
                calculated_at=row.calculated_at,
                health_score=float(row.health_score),
                health_level=HealthLevel(row.health_level),
                components=components,
                churn_score=float(row.churn_score),
                churn_level=ChurnLevel(row.churn_level),
                moves=moves,
            )
        )
        previous = row
    return tuple(entries[-limit:])


def factor_moves(
    before: dict[str, float], after: dict[str, float], weights: dict[str, float]
) -> tuple[FactorMove, ...]:
    """Component changes between two runs, biggest effect on the total first (no zero moves)."""
    moves = [
        FactorMove(
            name=COMPONENT_LABELS[name],
            before=round(before[name], 1),
            after=round(after[name], 1),
            delta=round(after[name] - before[name], 1),
            weighted_delta=round(weights[name] * (after[name] - before[name]), 1),
        )
        for name in health.COMPONENTS
        if abs(after[name] - before[name]) >= 0.05
    ]
    return tuple(sorted(moves, key=lambda move: -abs(move.weighted_delta)))
