"""The readable table of a bench report, each figure beside its target at 1,000,000 customers."""

from __future__ import annotations

from typing import Any

# p95 targets (ms) at 1,000,000 customers on PostgreSQL, from the performance issue.
P95_TARGET_MS = {
    "profile": 50,
    "timeline": 20,
    "search_substring": 100,
    "search_email": 10,
    "search_order": 10,
    "portfolio": 500,
    "compare": 100,
}
RSS_TARGET_MB = 500
SCORING_TARGET_FACTOR = 3


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _verdict(value: float | None, limit: float | None) -> str:
    if value is None or limit is None:
        return ""
    return "ok" if value <= limit else "MISS"


def format_table(report: dict[str, Any]) -> str:
    """A fixed-width table of every figure in ``report``."""
    lines = [f"Customer 360 bench — {report['customers']:,} customers", ""]
    lines.append(f"{'measurement':<20}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'target':>10}  ")
    for key, target in P95_TARGET_MS.items():
        row = report[key]
        lines.append(
            f"{key:<20}{_num(row['p50_ms']):>10}{_num(row['p95_ms']):>10}{_num(row['max_ms']):>10}"
            f"{'≤ ' + str(target):>10}  {_verdict(row['p95_ms'], target)}"
            + (f"  ({row['reason']})" if row.get("reason") else "")
        )
    aggregate = report["aggregate_pass_s"]
    scoring_limit = None if aggregate is None else SCORING_TARGET_FACTOR * aggregate
    lines += ["", f"{'figure':<20}{'value':>12}{'target':>14}  "]
    singles = [
        ("scoring_s", scoring_limit, "≤ 3 × agg"),
        ("segments_refresh_s", None, ""),
        ("aggregate_pass_s", None, "baseline"),
        ("pk_fetch_ms", None, "baseline p95"),
        ("orders_fetch_ms", None, "baseline p95"),
        ("rss_mb", RSS_TARGET_MB, f"≤ {RSS_TARGET_MB}"),
    ]
    for key, limit, label in singles:
        reason = report.get(f"{key}_reason")
        lines.append(
            f"{key:<20}{_num(report[key]):>12}{label:>14}  {_verdict(report[key], limit)}"
            + (f"  ({reason[:160]})" if reason else "")
        )
    return "\n".join(lines)
