"""``outbox send``: deliver queued (and, with --retry-failed, failed) e-mails."""

from __future__ import annotations

import argparse

from c360.config import get_settings
from c360.db import get_engine
from c360.outbox import send_waiting


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``outbox`` command."""
    parser = subparsers.add_parser("outbox", help="deliver e-mails waiting in the outbox")
    actions = parser.add_subparsers(dest="outbox_action", required=True, metavar="ACTION")
    send = actions.add_parser(
        "send",
        help="send queued e-mails through C360_SMTP_URL (oldest first)",
        description="Send the e-mails still queued (written while no SMTP server was set or "
        "reachable) through C360_SMTP_URL; each is marked sent or failed and audited.",
    )
    send.add_argument(
        "--retry-failed", action="store_true", help="also retry e-mails that failed before"
    )
    send.add_argument("--limit", type=int, default=500, help="at most this many (default 500)")
    send.set_defaults(func=_send)


def _send(args: argparse.Namespace) -> int:
    settings = get_settings()
    report = send_waiting(
        get_engine(),
        settings.smtp_url or "",
        settings.smtp_sender,
        retry_failed=args.retry_failed,
        limit=args.limit,
    )
    for error in report.errors:
        print(f"failed {error}")
    print(f"sent {report.sent}, failed {report.failed}")
    return 1 if report.failed else 0
