"""Cell parsers of the CSV importer: exact money, ISO times in UTC, enums and booleans."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from c360.ingest import KINDS
from c360.ingest import fields as f
from c360.models import OrderStatus


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12.50", 1250), ("0.1", 10), ("7", 700), ("0", 0), ("1.500", 150), ("19.99", 1999)],
)
def test_money_is_stored_as_exact_integer_cents(text: str, cents: int) -> None:
    assert f.money_cents(text) == cents == int(Decimal(text) * 100)


def test_money_sums_are_exact_where_binary_floats_are_not() -> None:
    amounts = ["0.10", "0.20", "0.30"] * 1000
    assert sum(f.money_cents(a) for a in amounts) == 60_000
    assert sum(float(a) for a in amounts) * 100 != 60_000


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-0.01", "negative"),
        ("1.005", "more than two decimal places"),
        ("12,50", "not a decimal amount"),
        ("NaN", "not a decimal amount"),
        ("Infinity", "not a decimal amount"),
        ("1e30", "too large"),
    ],
)
def test_bad_money_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(f.FieldError, match=reason):
        f.money_cents(text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10)),
        ("2024-03-01T10:00:00+02:00", datetime(2024, 3, 1, 8)),
        ("2024-03-01T10:00:00.250-05:00", datetime(2024, 3, 1, 15, 0, 0, 250_000)),
        ("2024-03-01 10:00", datetime(2024, 3, 1, 10)),
        ("2024-03-01", datetime(2024, 3, 1)),
    ],
)
def test_iso_times_are_stored_as_naive_utc(text: str, stored: datetime) -> None:
    assert f.timestamp(text) == stored


@pytest.mark.parametrize("text", ["01/03/2024", "yesterday", "2024-13-01", "2024-02-30"])
def test_times_that_are_not_iso_8601_are_refused(text: str) -> None:
    with pytest.raises(f.FieldError, match="ISO 8601"):
        f.timestamp(text)


def test_enum_values_are_matched_without_regard_to_case_and_listed_when_wrong() -> None:
    parse = f.one_of(OrderStatus)
    assert parse("Completed") == "completed"
    with pytest.raises(f.FieldError, match="pending, paid, shipped"):
        parse("lost")


@pytest.mark.parametrize(("text", "value"), [("true", True), ("No", False), ("1", True)])
def test_booleans_accept_the_usual_spellings(text: str, value: bool) -> None:
    assert f.boolean(text) is value


def test_text_longer_than_its_column_or_with_a_nul_is_refused() -> None:
    with pytest.raises(f.FieldError, match="longer than 3"):
        f.text(3)("abcd")
    with pytest.raises(f.FieldError, match="NUL"):
        f.text(10)("a\x00b")


def test_whole_numbers_respect_their_range() -> None:
    assert f.whole_number(1, 5)("5") == 5
    with pytest.raises(f.FieldError, match="between 1 and 5"):
        f.whole_number(1, 5)("6")


def test_e_mail_addresses_are_lower_cased_and_checked() -> None:
    assert f.email("Jane.Doe@Example.COM") == "jane.doe@example.com"
    with pytest.raises(f.FieldError, match="not an e-mail"):
        f.email("jane at example")


def test_every_kind_has_a_key_made_of_required_columns() -> None:
    for kind in KINDS.values():
        assert set(kind.key) <= set(kind.required), kind.name
