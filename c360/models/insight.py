"""The seed's Customer 360 tables: notes, tags, segments, health score and churn risk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from c360.models.base import Base, BigId, JsonText, JsonValue, int_pk, str_enum, utcnow
from c360.models.enums import ChurnLevel, HealthLevel, NoteVisibility


class CustomerNote(Base):
    __tablename__ = "customer_notes"
    __table_args__ = (
        Index("ix_customer_notes_customer_id_created_at", "customer_id", "created_at"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    content: Mapped[str] = mapped_column(Text)
    visibility: Mapped[NoteVisibility] = mapped_column(
        str_enum(NoteVisibility, "note_visibility"), default=NoteVisibility.EVERYONE
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set only when the note is edited, so "edited" can be shown.
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(60), unique=True)
    color: Mapped[str] = mapped_column(String(7), default="#6b7280")
    description: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CustomerTag(Base):
    __tablename__ = "customer_tags"
    __table_args__ = (
        UniqueConstraint("customer_id", "tag_id", name="uq_customer_tags_customer_tag"),
        Index("ix_customer_tags_tag_id", "tag_id"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(BigId, ForeignKey("tags.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Segment(Base):
    __tablename__ = "segments"

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    # A whitelisted criteria tree (see c360.segments); never SQL text.
    criteria: Mapped[Any] = mapped_column(JsonValue, default=dict)
    is_automatic: Mapped[bool] = mapped_column(Boolean, default=True)
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CustomerSegment(Base):
    __tablename__ = "customer_segments"
    __table_args__ = (
        UniqueConstraint("customer_id", "segment_id", name="uq_customer_segments_customer_segment"),
        Index("ix_customer_segments_segment_id", "segment_id"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    segment_id: Mapped[int] = mapped_column(BigId, ForeignKey("segments.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HealthScore(Base):
    __tablename__ = "health_scores"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 100", name="score_0_to_100"),
        Index("ix_health_scores_score", "score"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[float] = mapped_column(Float)
    purchase_score: Mapped[float] = mapped_column(Float)
    engagement_score: Mapped[float] = mapped_column(Float)
    support_score: Mapped[float] = mapped_column(Float)
    recency_score: Mapped[float] = mapped_column(Float)
    level: Mapped[HealthLevel] = mapped_column(str_enum(HealthLevel, "health_level"))
    # The weights used and the inputs behind each component, for "why".
    details: Mapped[Any] = mapped_column(JsonText, default=dict)
    calculated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ChurnRisk(Base):
    __tablename__ = "churn_risks"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 100", name="score_0_to_100"),
        Index("ix_churn_risks_level", "level"),
        Index("ix_churn_risks_expected_loss_cents", "expected_loss_cents"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    level: Mapped[ChurnLevel] = mapped_column(str_enum(ChurnLevel, "churn_level"))
    score: Mapped[float] = mapped_column(Float)
    days_since_last_purchase: Mapped[int | None] = mapped_column(Integer)
    engagement_decline: Mapped[float] = mapped_column(Float, default=0.0)
    support_issues: Mapped[int] = mapped_column(Integer, default=0)
    # B2: what a churn would cost (trailing 12-month spend) and that times the churn probability.
    value_at_stake_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    expected_loss_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    factors: Mapped[Any] = mapped_column(JsonText, default=dict)
    calculated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


__all__ = [
    "ChurnRisk",
    "CustomerNote",
    "CustomerSegment",
    "CustomerTag",
    "HealthScore",
    "Segment",
    "Tag",
]
