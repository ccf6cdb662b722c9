"""``db upgrade|downgrade|check``: manage the schema of C360_DATABASE_URL."""

from __future__ import annotations

import argparse

from c360 import migrate
from c360.config import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``db`` command."""
    parser = subparsers.add_parser("db", help="apply, undo or check the schema migrations")
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    up = actions.add_parser("upgrade", help="migrate to the newest schema (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_upgrade)
    down = actions.add_parser("downgrade", help="migrate down (default: base, an empty schema)")
    down.add_argument("revision", nargs="?", default="base")
    down.set_defaults(func=_downgrade)
    actions.add_parser("check", help="fail when models and migrations differ").set_defaults(
        func=_check
    )


def _upgrade(args: argparse.Namespace) -> int:
    migrate.upgrade(revision=args.revision)
    print(f"database at {_where()} is at revision {args.revision}")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    migrate.downgrade(revision=args.revision)
    print(f"database at {_where()} is at revision {args.revision}")
    return 0


def _check(_args: argparse.Namespace) -> int:
    migrate.check()
    print("models and migrations agree")
    return 0


def _where() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)
