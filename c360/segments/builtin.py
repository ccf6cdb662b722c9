"""The built-in RFM segments, created by default and kept (idempotently) on every refresh.

Recency (days since the last order) and frequency (completed orders) split every customer
with at least one completed order into exactly one of these segments:

    recency \\ frequency   1 order          2–3 orders            4+ orders
    0–90 days             New customers    Potential loyalists   Champions
    91–180 days           About to sleep   Need attention        Loyal
    181–365 days          Hibernating      At risk               Can't lose them
    366+ days             Lost             Lost                  Can't lose them

Fixed day and order thresholds keep each segment explainable; monetary value is left to
custom segments because a money threshold only means something for one particular store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from c360.models import Segment


@dataclass(frozen=True)
class BuiltinSegment:
    name: str
    description: str
    criteria: dict[str, Any]


def _rf(recency: dict[str, Any], frequency: dict[str, Any]) -> dict[str, Any]:
    return {
        "and": [
            {"field": "days_since_last_order", **recency},
            {"field": "completed_order_count", **frequency},
        ]
    }


RECENT = {"op": "lte", "value": 90}
WARM = {"op": "between", "value": [91, 180]}
COOLING = {"op": "between", "value": [181, 365]}
COLD = {"op": "gt", "value": 365}
ONE = {"op": "eq", "value": 1}
FEW = {"op": "between", "value": [2, 3]}
MANY = {"op": "gte", "value": 4}

BUILTIN_SEGMENTS: tuple[BuiltinSegment, ...] = (
    BuiltinSegment(
        "Champions", "Ordered in the last 90 days and 4+ completed orders.", _rf(RECENT, MANY)
    ),
    BuiltinSegment("Loyal", "4+ completed orders; last order 91–180 days ago.", _rf(WARM, MANY)),
    BuiltinSegment(
        "Potential loyalists", "2–3 completed orders, the last within 90 days.", _rf(RECENT, FEW)
    ),
    BuiltinSegment(
        "New customers", "One completed order, placed in the last 90 days.", _rf(RECENT, ONE)
    ),
    BuiltinSegment(
        "Need attention", "2–3 completed orders; last order 91–180 days ago.", _rf(WARM, FEW)
    ),
    BuiltinSegment("About to sleep", "One completed order, 91–180 days ago.", _rf(WARM, ONE)),
    BuiltinSegment("At risk", "2–3 completed orders; nothing for 181–365 days.", _rf(COOLING, FEW)),
    BuiltinSegment(
        "Can't lose them",
        "4+ completed orders but nothing for over 180 days.",
        {
            "and": [
                {"field": "days_since_last_order", "op": "gt", "value": 180},
                {"field": "completed_order_count", **MANY},
            ]
        },
    ),
    BuiltinSegment("Hibernating", "One completed order, 181–365 days ago.", _rf(COOLING, ONE)),
    BuiltinSegment(
        "Lost",
        "1–3 completed orders and nothing for over a year.",
        _rf(COLD, {"op": "between", "value": [1, 3]}),
    ),
)


def ensure_builtin_segments(session: Session) -> list[str]:
    """Create the built-in segments that are missing (by name); return the names created."""
    existing = set(session.scalars(select(Segment.name)))
    created = []
    for builtin in BUILTIN_SEGMENTS:
        if builtin.name in existing:
            continue
        session.add(
            Segment(
                name=builtin.name,
                description=builtin.description,
                criteria=builtin.criteria,
                is_automatic=True,
                is_builtin=True,
            )
        )
        created.append(builtin.name)
    if created:
        session.flush()
    return created
