"""``staff add``: create a staff account from the command line (e.g. a production's first admin)."""

from __future__ import annotations

import argparse
import getpass
import sys

from c360.db import get_engine, transaction
from c360.errors import C360Error
from c360.models import StaffRole
from c360.staff import create_staff_from_command_line


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``staff`` command."""
    parser = subparsers.add_parser("staff", help="create staff accounts (no default password)")
    actions = parser.add_subparsers(dest="staff_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account; the password is asked for")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=[r.value for r in StaffRole], default="admin")
    add.set_defaults(func=_add)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")  # piped: one line
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise C360Error("The two passwords differ; nothing was created.")
    return first


def _add(args: argparse.Namespace) -> int:
    try:
        password = _read_password()
        with transaction(get_engine()) as session:
            account = create_staff_from_command_line(
                session,
                email=args.email,
                name=args.name,
                role=StaffRole(args.role),
                password=password,
            )
    except C360Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"created {account.role.value} account {account.email} (id {account.id})")
    return 0
