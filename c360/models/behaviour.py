"""Behaviour: web sessions and product and category views."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from c360.models.base import Base, BigId, int_pk, str_enum
from c360.models.enums import Device


class WebSession(Base):
    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_customer_id_started_at", "customer_id", "started_at"),)

    id: Mapped[int_pk]
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    device: Mapped[Device] = mapped_column(str_enum(Device, "device"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    page_views: Mapped[int] = mapped_column(Integer)
    bounced: Mapped[bool] = mapped_column(Boolean)


class ProductView(Base):
    __tablename__ = "product_views"
    __table_args__ = (
        Index("ix_product_views_customer_id_viewed_at", "customer_id", "viewed_at"),
        Index("ix_product_views_customer_id_category_id", "customer_id", "category_id"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("web_sessions.id", ondelete="CASCADE")
    )
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("categories.id", ondelete="SET NULL")
    )
    viewed_at: Mapped[datetime] = mapped_column(DateTime)


class CategoryView(Base):
    __tablename__ = "category_views"
    __table_args__ = (
        Index("ix_category_views_customer_id_viewed_at", "customer_id", "viewed_at"),
        Index("ix_category_views_customer_id_category_id", "customer_id", "category_id"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("web_sessions.id", ondelete="CASCADE")
    )
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("categories.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime] = mapped_column(DateTime)
