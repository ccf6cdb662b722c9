"""``demo --customers N [--seed S] [--today DATE] [--reset]``: fill the database with demo data."""

from __future__ import annotations

import argparse
from datetime import date

from c360.db import get_engine
from c360.demo import load_demo_data
from c360.demo.generator import SHOPS
from c360.scoring.job import score_everyone


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command."""
    parser = subparsers.add_parser(
        "demo",
        help="fill an empty database with realistic, deterministic demo data",
        description="Fill every table of an empty database (C360_DATABASE_URL) with demo "
        "customers and their history, anchored at today. Demo staff sign in with password "
        "'demo' (admin@, manager@, am@, analyst@example.com).",
    )
    parser.add_argument("--customers", type=int, default=2_000, help="how many (default 2000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--today", type=_iso_date, default=None, help="anchor date YYYY-MM-DD (default: today)"
    )
    parser.add_argument(
        "--shop",
        choices=sorted(SHOPS),
        default="typical",
        help="typical: about 2.7 orders per customer (default); busy: about 10",
    )
    parser.add_argument(
        "--reset", action="store_true", help="delete ALL existing data first (every table)"
    )
    parser.add_argument(
        "--no-score",
        action="store_true",
        help="leave the customers unscored (by default they are scored as of the anchor date, "
        "as `python -m c360 score` does, so health, churn, segments and the portfolio show)",
    )
    parser.set_defaults(func=_run)


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def _run(args: argparse.Namespace) -> int:
    summary = load_demo_data(
        get_engine(),
        args.customers,
        seed=args.seed,
        today=args.today,
        reset=args.reset,
        progress=True,
        shop=args.shop,
    )
    total = sum(summary.rows.values())
    print(
        f"loaded {summary.customers:,} demo customers (seed {summary.seed}, today "
        f"{summary.today.isoformat()}): {total:,} rows in {summary.seconds:.1f} s"
    )
    for table, count in sorted(summary.rows.items()):
        print(f"  {table:<22} {count:>12,}")
    if args.no_score:
        print("not scored (--no-score): run `python -m c360 score` for health, churn and segments")
        return 0
    scored = score_everyone(get_engine(), summary.today, progress=True)
    print(
        f"scored {scored.customers:,} customers as of {scored.as_of.isoformat()} "
        f"in {sum(scored.seconds.values()):.1f} s (segments and portfolio refreshed)"
    )
    return 0
