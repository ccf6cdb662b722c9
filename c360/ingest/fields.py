"""Parsers for one CSV cell each: they return the stored value or raise FieldError."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
_CENT = Decimal("0.01")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class FieldError(ValueError):
    """A cell that cannot be stored; the message says why, for a person to read."""


Parser = Callable[[str], Any]


def text(max_length: int) -> Parser:
    """Any text up to ``max_length`` characters (stored exactly as given)."""

    def parse(value: str) -> str:
        if "\x00" in value:
            raise FieldError("contains a NUL character")
        if len(value) > max_length:
            raise FieldError(f"is longer than {max_length} characters ({len(value)})")
        return value

    return parse


def timestamp(value: str) -> datetime:
    """An ISO 8601 date or date-time; offsets are converted to naive UTC, naive means UTC."""
    try:
        if value[-1] in "Zz":
            # The common "…Z" form is already UTC: parse it without building a tz-aware value.
            return datetime.fromisoformat(value[:-1])
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(
            f"{value!r} is not an ISO 8601 date or time (e.g. 2024-05-31T14:30:00Z)"
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def money_cents(value: str) -> int:
    """A non-negative decimal amount with at most two decimals, as exact integer cents."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise FieldError(f"{value!r} is not a decimal amount (e.g. 1234.50)") from None
    sign, _digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):  # NaN or Infinity
        raise FieldError(f"{value!r} is not a decimal amount (e.g. 1234.50)")
    if sign and amount:
        raise FieldError(f"{value!r} is negative")
    if exponent < -2 and amount != amount.quantize(_CENT):
        raise FieldError(f"{value!r} has more than two decimal places")
    cents = int(amount.scaleb(2))
    if cents > MAX_BIGINT:
        raise FieldError(f"{value!r} is too large")
    return cents


def whole_number(minimum: int = 0, maximum: int = MAX_INT) -> Parser:
    """A whole number between ``minimum`` and ``maximum``."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise FieldError(f"{value!r} is not a whole number") from None
        if not minimum <= number <= maximum:
            raise FieldError(f"{value!r} is not between {minimum} and {maximum}")
        return number

    return parse


def boolean(value: str) -> bool:
    """true/false, yes/no, 1/0 (any case)."""
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise FieldError(f"{value!r} is not true or false")


def one_of(enum_cls: type[enum.Enum]) -> Parser:
    """One of the values of ``enum_cls`` (any case)."""
    values = {str(member.value).lower(): member.value for member in enum_cls}
    listed = ", ".join(str(member.value) for member in enum_cls)

    def parse(value: str) -> str:
        try:
            return values[value.lower()]
        except KeyError:
            raise FieldError(f"{value!r} is not one of {listed}") from None

    return parse


def email(value: str) -> str:
    """An e-mail address, stored lower-case."""
    value = text(254)(value).strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value:
        raise FieldError(f"{value!r} is not an e-mail address")
    return value
