"""Plug a measurement into whichever feature function exists, binding its arguments by name.

The features the bench measures are written by other modules; their exact signatures may
change. ``find`` returns the first of several candidate functions that exists, and ``bind``
fills its parameters from the values the bench can supply (``session``, ``customer_id`` …),
so a renamed parameter shows up as a clear reason in the report instead of a crash.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any


class Unavailable(Exception):
    """A measurement cannot run; the message says why and lands in the JSON as ``reason``."""


def find(*candidates: str) -> Callable[..., Any]:
    """The first existing ``"module:attribute"`` among ``candidates``."""
    for candidate in candidates:
        module_name, _, attribute = candidate.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        function = getattr(module, attribute, None)
        if callable(function):
            return function
    raise Unavailable("none of " + ", ".join(candidates) + " exists yet")


def bind(function: Callable[..., Any], values: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments for ``function`` taken from ``values`` by name."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name in values:
            if parameter.kind == parameter.POSITIONAL_ONLY:
                args.append(values[name])
            else:
                kwargs[name] = values[name]
        elif parameter.default is parameter.empty:
            raise Unavailable(
                f"{function.__module__}.{function.__qualname__} needs {name!r}, "
                "which the bench does not know how to supply"
            )
    return args, kwargs


def call(function: Callable[..., Any], values: dict[str, Any]) -> Any:
    """Call ``function`` with the arguments ``bind`` picks from ``values``."""
    args, kwargs = bind(function, values)
    return function(*args, **kwargs)


def describe(function: Callable[..., Any]) -> str:
    """``module.name`` of a function, for the report."""
    return f"{function.__module__}.{function.__qualname__}"
