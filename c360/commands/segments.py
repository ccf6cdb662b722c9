"""``segments refresh``: recompute the members of every automatic segment."""

from __future__ import annotations

import argparse

from c360.db import get_engine
from c360.portfolio import refresh_portfolio_snapshot
from c360.segments.refresh import refresh_all_segments


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``segments`` command."""
    parser = subparsers.add_parser("segments", help="maintain customer segments")
    actions = parser.add_subparsers(dest="segments_action", required=True, metavar="ACTION")
    actions.add_parser(
        "refresh", help="create missing built-in segments and recompute automatic ones"
    ).set_defaults(func=_refresh)


def _refresh(_args: argparse.Namespace) -> int:
    report = refresh_all_segments(get_engine())
    refresh_portfolio_snapshot(get_engine())
    for name in report.builtins_created:
        print(f"created built-in segment {name}")
    for seg in report.segments:
        print(f"{seg.name}: {seg.members} members (+{seg.added} / -{seg.removed})")
    print(
        f"refreshed {len(report.segments)} segments in {report.seconds:.2f} s "
        f"(+{report.added} / -{report.removed})"
    )
    return 0
