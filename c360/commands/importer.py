"""``import KIND FILE``: load a CSV file of customers, orders, ... into C360_DATABASE_URL."""

from __future__ import annotations

import argparse
import sys

from c360.db import get_engine
from c360.ingest import KINDS, import_csv, parse_mapping

EPILOG = (
    "Exit status: 0 when every row is valid (and, without --dry-run, loaded); 1 when any row is "
    "bad (every bad row is listed with its line number, header = line 1, and nothing is "
    "written) or the file cannot be read. The columns of each kind are listed in README.md, "
    '"Importing data".'
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` command."""
    parser = subparsers.add_parser(
        "import",
        help="check and load a CSV file (all or nothing, idempotent)",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
        epilog=EPILOG,
    )
    parser.add_argument("kind", choices=list(KINDS), metavar="KIND", help=", ".join(KINDS))
    parser.add_argument("file", metavar="FILE", help="CSV file, UTF-8 (a BOM is fine), header row")
    parser.add_argument(
        "--dry-run", action="store_true", help="check every row and report; write nothing"
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=TARGET",
        help="read the file's column SOURCE as TARGET (repeatable)",
    )
    parser.add_argument(
        "--create-missing-customers",
        action="store_true",
        help="create customers that rows refer to by customer_external_id but that do not exist",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    report = import_csv(
        get_engine(),
        args.kind,
        args.file,
        dry_run=args.dry_run,
        mapping=parse_mapping(args.map),
        create_missing_customers=args.create_missing_customers,
        progress=True,
    )
    for line in report.report_lines():
        print(line)
    sys.stdout.flush()
    return 0 if report.ok else 1
