"""Commerce: customers, addresses, catalogue, orders, payments and refunds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from c360.models.base import Base, BigId, int_pk, str_enum, utcnow
from c360.models.enums import (
    CustomerStatus,
    OrderStatus,
    PaymentMethodType,
    PaymentStatus,
    RefundKind,
    RefundStatus,
)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_email", "email"),
        Index("ix_customers_phone_digits", "phone_digits"),
        Index(
            "ix_customers_search_name_trgm",
            "search_name",
            postgresql_using="gin",
            postgresql_ops={"search_name": "gin_trgm_ops"},
        ),
        Index("ix_customers_account_manager_id", "account_manager_id"),
        Index("ix_customers_registered_at", "registered_at"),
    )

    id: Mapped[int_pk]
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case, accent-free copy of the name, kept by c360.text.search_key on every write.
    search_name: Mapped[str] = mapped_column(String(200), default="")
    # Stored lower-case so an exact-email search is a plain index lookup.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Digits only, so "+1 (555) 010-2030" and "15550102030" find the same customer.
    phone_digits: Mapped[str | None] = mapped_column(String(40))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[CustomerStatus] = mapped_column(
        str_enum(CustomerStatus, "customer_status"), default=CustomerStatus.ACTIVE
    )
    account_manager_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Address(Base):
    __tablename__ = "addresses"
    __table_args__ = (
        # At most one default address per customer.
        Index(
            "uq_addresses_one_default",
            "customer_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(40), default="home")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("categories.id", ondelete="SET NULL")
    )


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int_pk]
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    price_cents: Mapped[int] = mapped_column(BigInteger)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_orders_created_at", "created_at"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
    )

    id: Mapped[int_pk]
    order_number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"))
    subtotal_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no", name="uq_order_items_order_line"),
        Index("ix_order_items_customer_id_category_id", "customer_id", "category_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int_pk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    # Carried for per-customer queries and for sharding by customer.
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("products.id", ondelete="SET NULL")
    )
    category_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("categories.id", ondelete="SET NULL")
    )
    line_no: Mapped[int] = mapped_column(Integer, default=1)
    product_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)


class PaymentMethod(Base):
    __tablename__ = "payment_methods"

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[PaymentMethodType] = mapped_column(
        str_enum(PaymentMethodType, "payment_method_type")
    )
    brand: Mapped[str | None] = mapped_column(String(40))
    last4: Mapped[str | None] = mapped_column(String(4))
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PaymentTransaction(Base):
    __tablename__ = "payment_transactions"
    __table_args__ = (
        Index("ix_payment_transactions_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_payment_transactions_order_id", "order_id"),
    )

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    payment_method_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("payment_methods.id", ondelete="SET NULL")
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, "payment_status"))
    method: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (Index("ix_refunds_customer_id_created_at", "customer_id", "created_at"),)

    id: Mapped[int_pk]
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[RefundKind] = mapped_column(str_enum(RefundKind, "refund_kind"))
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus, "refund_status"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


__all__ = [
    "Address",
    "Category",
    "Customer",
    "Order",
    "OrderItem",
    "PaymentMethod",
    "PaymentTransaction",
    "Product",
    "Refund",
]


class CustomerStats(Base):
    """Per-customer order rollup for search filters and segments (refreshed by c360.stats)."""

    __tablename__ = "customer_stats"
    __table_args__ = (
        Index("ix_customer_stats_lifetime_value_cents", "lifetime_value_cents"),
        Index("ix_customer_stats_last_order_at", "last_order_at"),
        Index("ix_customer_stats_order_count", "order_count"),
    )

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    completed_order_count: Mapped[int] = mapped_column(Integer, default=0)
    lifetime_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    first_order_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(DateTime)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
