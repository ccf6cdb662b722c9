"""Ours: score history, predictions, activity/audit log, notifications, settings, outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from c360.models.base import Base, BigId, JsonValue, int_pk, str_enum, utcnow
from c360.models.enums import ChurnLevel, HealthLevel, OutboxStatus


class ScoreHistory(Base):
    __tablename__ = "score_history"
    __table_args__ = (
        Index("ix_score_history_customer_id_calculated_at", "customer_id", "calculated_at"),
        Index("ix_score_history_calculated_at", "calculated_at"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    calculated_at: Mapped[datetime] = mapped_column(DateTime)
    health_score: Mapped[float] = mapped_column(Float)
    purchase_score: Mapped[float] = mapped_column(Float)
    engagement_score: Mapped[float] = mapped_column(Float)
    support_score: Mapped[float] = mapped_column(Float)
    recency_score: Mapped[float] = mapped_column(Float)
    health_level: Mapped[HealthLevel] = mapped_column(str_enum(HealthLevel, "health_level"))
    churn_score: Mapped[float] = mapped_column(Float)
    churn_level: Mapped[ChurnLevel] = mapped_column(str_enum(ChurnLevel, "churn_level"))


class Prediction(Base):
    __tablename__ = "predictions"

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    calculated_at: Mapped[datetime] = mapped_column(DateTime)
    prob_alive: Mapped[float] = mapped_column(Float)
    prob_no_purchase_90d: Mapped[float] = mapped_column(Float)
    expected_purchases_90d: Mapped[float] = mapped_column(Float)
    predicted_value_12m_cents: Mapped[int] = mapped_column(BigInteger)
    expected_next_order_at: Mapped[datetime | None] = mapped_column(DateTime)
    typical_gap_days: Mapped[float | None] = mapped_column(Float)
    # The RFM summary the models were fed (repeat purchases, recency and age in days).
    frequency: Mapped[int] = mapped_column(Integer)
    recency_days: Mapped[float] = mapped_column(Float)
    age_days: Mapped[float] = mapped_column(Float)
    avg_order_value_cents: Mapped[int] = mapped_column(BigInteger)


class ModelFit(Base):
    __tablename__ = "model_fits"

    id: Mapped[int_pk]
    fitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    as_of: Mapped[datetime] = mapped_column(DateTime)
    customers: Mapped[int] = mapped_column(Integer)
    params: Mapped[Any] = mapped_column(JsonValue)
    metrics: Mapped[Any] = mapped_column(JsonValue, default=dict)


class ActivityLog(Base):
    """The activity feed and audit log in one append-only table."""

    __tablename__ = "activity_log"
    __table_args__ = (
        Index("ix_activity_log_customer_id_occurred_at", "customer_id", "occurred_at"),
        Index("ix_activity_log_actor_id_occurred_at", "actor_id", "occurred_at"),
        Index("ix_activity_log_occurred_at", "occurred_at"),
    )

    id: Mapped[int_pk]
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    # Kept (as NULL) when the customer is deleted: the audit trail outlives the record.
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(500))
    before: Mapped[Any | None] = mapped_column(JsonValue)
    after: Mapped[Any | None] = mapped_column(JsonValue)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_staff_user_id_created_at", "staff_user_id", "created_at"),
        Index("ix_notifications_customer_id", "customer_id"),
    )

    id: Mapped[int_pk]
    staff_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="CASCADE")
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AppSetting(Base):
    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonValue)
    updated_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class EmailOutbox(Base):
    __tablename__ = "email_outbox"
    __table_args__ = (
        Index("ix_email_outbox_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_email_outbox_status", "status"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    staff_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED
    )
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
