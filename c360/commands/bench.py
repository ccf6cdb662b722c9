"""``bench``: build or reuse a demo database of N customers and measure the speed targets."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bench`` command."""
    parser = subparsers.add_parser(
        "bench",
        help="measure p50/p95/max of the screens' data, batch jobs and server memory",
        description=(
            "Builds (or reuses, when it already holds at least N customers) a demo database at "
            "C360_DATABASE_URL, then measures every screen's data call, the batch jobs, the "
            "baselines and the Streamlit server's memory."
        ),
    )
    parser.add_argument("--customers", type=_positive, required=True, metavar="N")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the report here")
    parser.add_argument("--seed", type=int, default=42, help="seed of the data and the inputs")
    parser.add_argument(
        "--calls", type=_positive, default=200, metavar="K", help="timed calls per measurement"
    )
    parser.add_argument(
        "--budget-seconds",
        type=float,
        default=None,
        metavar="S",
        help="stop timing one measurement after S seconds (it then reports fewer calls)",
    )
    parser.add_argument(
        "--skip-jobs",
        action="store_true",
        help="do not time rescoring and segment refresh (the screens then see the stored scores)",
    )
    parser.add_argument(
        "--no-server",
        action="store_true",
        help="skip the Streamlit memory measurement (rss_mb is then null with a reason)",
    )
    parser.set_defaults(func=_bench)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _bench(args: argparse.Namespace) -> int:
    from c360.bench import run_benchmark
    from c360.bench.report import format_table
    from c360.db import get_engine

    report = run_benchmark(
        get_engine(),
        customers=args.customers,
        seed=args.seed,
        calls=args.calls,
        measure_memory=not args.no_server,
        budget_s=args.budget_seconds,
        run_jobs=not args.skip_jobs,
    )
    print(format_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nreport written to {args.json}")
    return 0
