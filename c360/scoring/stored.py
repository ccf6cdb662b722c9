"""How a score row keeps the inputs behind its explanation: JSON arrays, named once per run.

A million rows of ``{"opens": 0.0, "clicks": 1.0, ...}`` spend most of their bytes (and of the
database's JSON parsing) on repeated key names. Rows store the values only, in the order listed
here; each run records that order in its ``model_fits`` row, next to the weights, and readers
name the values with the layout of the run. Rows written before this layout (objects) still
read the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from c360.scoring.churn import FEATURES

HEALTH_INPUTS: tuple[str, ...] = (
    "purchase_days",
    "tenure_days",
    "days_since_last",
    "opens",
    "clicks",
    "sessions",
    "loyalty_events",
    "open_tickets",
    "escalated_open",
    "average_satisfaction",
    "average_resolution_hours",
    "low_rated_recent",
)
CHURN_VALUES: tuple[str, ...] = (
    "probability",
    "p_model",
    "days_since_last",
    "typical_gap_days",
    "repeat_purchases",
    "engagement_recent",
    "engagement_baseline",
    "engagement_decline",
    "support_issues",
    "open_tickets",
)
CHURN_TERMS: tuple[str, ...] = FEATURES


def layout() -> dict[str, list[str]]:
    """The order of every stored array, as recorded in the run's model fit."""
    return {
        "health_inputs": list(HEALTH_INPUTS),
        "churn_values": list(CHURN_VALUES),
        "churn_terms": list(CHURN_TERMS),
    }


def json_arrays(frame: pd.DataFrame) -> list[str]:
    """One JSON array per row of ``frame`` (columns in order, NaN as null), built in C."""
    if frame.empty:
        return []
    text = frame.to_json(orient="values", double_precision=6)
    # Numbers and nulls only, so "],[" can only separate rows.
    return [f"[{row}]" for row in text[2:-2].split("],[")]


def health_inputs(details: Any, fit_params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The named inputs of a stored health row (array or, from older runs, object)."""
    if isinstance(details, dict):
        values = details.get("values")
        return values if isinstance(values, dict) else {}
    return _named(details, _names(fit_params, "health_inputs", HEALTH_INPUTS))


def churn_inputs(
    factors: Any, fit_params: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The named values and regression terms of a stored churn row."""
    if isinstance(factors, dict):
        values, terms = factors.get("values"), factors.get("terms")
        return (
            values if isinstance(values, dict) else {},
            terms if isinstance(terms, dict) else {},
        )
    if not isinstance(factors, list) or len(factors) != 2:
        return {}, {}
    return (
        _named(factors[0], _names(fit_params, "churn_values", CHURN_VALUES)),
        _named(factors[1], _names(fit_params, "churn_terms", CHURN_TERMS)),
    )


def _names(
    fit_params: Mapping[str, Any] | None, key: str, default: tuple[str, ...]
) -> Sequence[str]:
    recorded = (fit_params or {}).get("layout", {})
    names = recorded.get(key) if isinstance(recorded, dict) else None
    return names if isinstance(names, list) else default


def _named(values: Any, names: Sequence[str]) -> dict[str, Any]:
    if not isinstance(values, list) or len(values) != len(names):
        return {}
    return dict(zip(names, values, strict=True))
