"""Loyalty section (R4): tier, balance, progress to the next tier, expiring points, ledger."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.loyalty_rules import EXPIRY_WINDOW_DAYS, next_tier, progress_to_next_tier
from c360.views import LoyaltyStatus, PointsTransaction

RECENT_TRANSACTIONS = 10


def load_loyalty(session: Session, customer_id: int, now: datetime) -> LoyaltyStatus | None:
    """The loyalty account (None when the customer never joined) with its last 10 transactions."""
    window_end = now + timedelta(days=EXPIRY_WINDOW_DAYS)
    referrals = select(func.count()).where(m.Referral.referrer_id == customer_id).scalar_subquery()
    # Earned points with an expiry date inside the window (ledger index: customer_id, expires_at).
    expiring = (
        select(func.coalesce(func.sum(m.LoyaltyTransaction.points), 0))
        .where(
            m.LoyaltyTransaction.customer_id == customer_id,
            m.LoyaltyTransaction.expires_at >= now,
            m.LoyaltyTransaction.expires_at < window_end,
            m.LoyaltyTransaction.points > 0,
        )
        .scalar_subquery()
    )
    row = session.execute(
        select(m.LoyaltyAccount, referrals, expiring).where(
            m.LoyaltyAccount.customer_id == customer_id
        )
    ).first()
    if row is None:
        return None
    account, referral_count, expiring_points = row
    ledger = session.scalars(
        select(m.LoyaltyTransaction)
        .where(m.LoyaltyTransaction.customer_id == customer_id)
        .order_by(m.LoyaltyTransaction.created_at.desc(), m.LoyaltyTransaction.id.desc())
        .limit(RECENT_TRANSACTIONS)
    ).all()
    needed, progress = progress_to_next_tier(account.tier, account.lifetime_points)
    return LoyaltyStatus(
        tier=account.tier,
        points_balance=account.points_balance,
        lifetime_points=account.lifetime_points,
        next_tier=next_tier(account.tier),
        points_to_next_tier=needed,
        progress_to_next_tier=progress,
        # Points already spent cannot expire: never more than the balance.
        points_expiring_30d=min(int(expiring_points), account.points_balance),
        referral_code=account.referral_code,
        referral_count=int(referral_count),
        recent_transactions=tuple(
            PointsTransaction(
                id=t.id,
                kind=t.kind,
                points=t.points,
                reason=t.reason,
                created_at=t.created_at,
                expires_at=t.expires_at,
            )
            for t in ledger
        ),
    )
