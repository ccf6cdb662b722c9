"""Marketing: channel consents, campaigns and each message sent to a customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from c360.models.base import Base, BigId, int_pk, str_enum, utcnow
from c360.models.enums import Channel


class MarketingConsent(Base):
    __tablename__ = "marketing_consents"
    __table_args__ = (UniqueConstraint("customer_id", "channel", name="uq_consent_per_channel"),)

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    opted_in: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    subject: Mapped[str] = mapped_column(String(300), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CampaignMessage(Base):
    __tablename__ = "campaign_messages"
    __table_args__ = (
        Index("ix_campaign_messages_customer_id_sent_at", "customer_id", "sent_at"),
        Index("ix_campaign_messages_campaign_id", "campaign_id"),
    )

    id: Mapped[int_pk]
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime)
