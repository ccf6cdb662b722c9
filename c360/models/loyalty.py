"""Loyalty: one account per customer, the points ledger and referrals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from c360.models.base import Base, BigId, int_pk, str_enum, utcnow
from c360.models.enums import LoyaltyTier, PointsKind, ReferralStatus


class LoyaltyAccount(Base):
    __tablename__ = "loyalty_accounts"
    __table_args__ = (CheckConstraint("points_balance >= 0", name="balance_not_negative"),)

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    tier: Mapped[LoyaltyTier] = mapped_column(
        str_enum(LoyaltyTier, "loyalty_tier"), default=LoyaltyTier.BRONZE
    )
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_points: Mapped[int] = mapped_column(BigInteger, default=0)
    referral_code: Mapped[str] = mapped_column(String(20), unique=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class LoyaltyTransaction(Base):
    __tablename__ = "loyalty_transactions"
    __table_args__ = (
        Index("ix_loyalty_transactions_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_loyalty_transactions_customer_id_expires_at", "customer_id", "expires_at"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[PointsKind] = mapped_column(str_enum(PointsKind, "points_kind"))
    # Signed: earned points are positive, redeemed/expired negative, adjustments either.
    points: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(300), default="")
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="SET NULL")
    )
    staff_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_referrer_id_created_at", "referrer_id", "created_at"),)

    id: Mapped[int_pk]
    referrer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    referred_customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    referred_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, "referral_status"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
