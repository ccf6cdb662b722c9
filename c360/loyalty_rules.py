"""Loyalty tiers: the lifetime-points threshold of each tier, in one place."""

from __future__ import annotations

from c360.models.enums import LoyaltyTier

# A customer reaches a tier once their lifetime points reach its threshold. Orders earn one
# point per whole dollar kept, so these match the demo generator's spend thresholds
# ($300 / $1,000 / $2,500).
TIER_THRESHOLDS: dict[LoyaltyTier, int] = {
    LoyaltyTier.BRONZE: 0,
    LoyaltyTier.SILVER: 300,
    LoyaltyTier.GOLD: 1_000,
    LoyaltyTier.PLATINUM: 2_500,
}
TIER_ORDER: tuple[LoyaltyTier, ...] = tuple(sorted(TIER_THRESHOLDS, key=TIER_THRESHOLDS.get))
EXPIRY_WINDOW_DAYS = 30


def tier_for(lifetime_points: int) -> LoyaltyTier:
    """The highest tier whose threshold ``lifetime_points`` reaches."""
    reached = [t for t in TIER_ORDER if lifetime_points >= TIER_THRESHOLDS[t]]
    return reached[-1] if reached else TIER_ORDER[0]


def next_tier(tier: LoyaltyTier) -> LoyaltyTier | None:
    """The tier above ``tier``, or None at the top."""
    position = TIER_ORDER.index(tier)
    return TIER_ORDER[position + 1] if position + 1 < len(TIER_ORDER) else None


def progress_to_next_tier(tier: LoyaltyTier, lifetime_points: int) -> tuple[int | None, float]:
    """(points still needed, progress 0..1) from ``tier`` towards the next one."""
    upper = next_tier(tier)
    if upper is None:
        return None, 1.0
    floor, goal = TIER_THRESHOLDS[tier], TIER_THRESHOLDS[upper]
    needed = max(0, goal - lifetime_points)
    progress = (lifetime_points - floor) / (goal - floor)
    return needed, min(1.0, max(0.0, progress))
