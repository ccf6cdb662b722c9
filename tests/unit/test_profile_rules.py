"""Pure rules behind the profile: tiers, initials, money, page cursors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from c360.errors import ValidationError
from c360.loyalty_rules import (
    TIER_ORDER,
    TIER_THRESHOLDS,
    next_tier,
    progress_to_next_tier,
    tier_for,
)
from c360.models import LoyaltyTier
from c360.money import money
from c360.profile.common import decode_cursor, encode_cursor
from c360.profile.profile import initials


def test_tiers_rise_with_lifetime_points_and_thresholds_live_in_one_table():
    assert TIER_ORDER == (
        LoyaltyTier.BRONZE,
        LoyaltyTier.SILVER,
        LoyaltyTier.GOLD,
        LoyaltyTier.PLATINUM,
    )
    for tier in TIER_ORDER:
        assert tier_for(TIER_THRESHOLDS[tier]) == tier
    assert tier_for(TIER_THRESHOLDS[LoyaltyTier.SILVER] - 1) == LoyaltyTier.BRONZE


def test_progress_to_the_next_tier_is_a_fraction_and_the_top_tier_is_complete():
    needed, progress = progress_to_next_tier(LoyaltyTier.BRONZE, 150)
    assert needed == 150 and progress == pytest.approx(0.5)
    assert progress_to_next_tier(LoyaltyTier.PLATINUM, 99_999) == (None, 1.0)
    assert next_tier(LoyaltyTier.PLATINUM) is None
    # A tier stored above what the points reach never shows negative progress.
    assert progress_to_next_tier(LoyaltyTier.GOLD, 0)[1] == 0.0


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Ada Lovelace", "AL"), ("ada", "A"), ("Jean-Luc Picard", "JP"), ("", "?"), ("  42 ", "?")],
)
def test_initials_take_the_first_and_last_word(name, expected):
    assert initials(name) == expected


def test_money_turns_integer_cents_into_exact_decimals():
    assert money(1234) == Decimal("12.34")
    assert str(money(5000)) == "50.00"
    assert money(None) == Decimal("0.00")
    assert money(10**15 + 1) == Decimal("10000000000000.01")


def test_a_cursor_round_trips_and_a_forged_one_is_refused():
    at = datetime(2026, 1, 2, 3, 4, 5, 678901)
    assert decode_cursor(encode_cursor(at, "order", 7), (datetime, str, int)) == (at, "order", 7)
    for forged in ["", "!!!", encode_cursor("x", 1), encode_cursor(at, "order", "7")]:
        with pytest.raises(ValidationError):
            decode_cursor(forged, (datetime, str, int))
