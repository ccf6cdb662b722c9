"""The operators' command line: ``python -m c360 COMMAND``.

Each module in ``c360.commands`` adds its sub-commands through ``register(subparsers)`` and
sets ``func`` on its parser; ``func(args)`` returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import c360.commands
from c360.errors import C360Error


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command module's sub-commands."""
    parser = argparse.ArgumentParser(prog="python -m c360", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(c360.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"c360.commands.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the command, turn domain errors into a message and exit code 1."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except C360Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
