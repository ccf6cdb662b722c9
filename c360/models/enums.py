"""Closed sets of values, stored as their lowercase/uppercase string values."""

from __future__ import annotations

import enum


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    ACCOUNT_MANAGER = "account_manager"
    ANALYST = "analyst"


class CustomerStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


# Orders whose money the store keeps: lifetime value is the sum of exactly these.
REVENUE_STATUSES: tuple[OrderStatus, ...] = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


class PaymentMethodType(enum.StrEnum):
    CARD = "card"
    PAYPAL = "paypal"
    BANK_TRANSFER = "bank_transfer"
    WALLET = "wallet"


class PaymentStatus(enum.StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    REFUNDED = "refunded"


class RefundKind(enum.StrEnum):
    REFUND = "refund"
    RETURN = "return"


class RefundStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"


class LoyaltyTier(enum.StrEnum):
    BRONZE = "BRONZE"
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"


class PointsKind(enum.StrEnum):
    EARNED = "earned"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    ADJUSTED = "adjusted"


class ReferralStatus(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_TICKET_STATUSES: tuple[TicketStatus, ...] = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)


class TicketPriority(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Device(enum.StrEnum):
    MOBILE = "mobile"
    DESKTOP = "desktop"
    TABLET = "tablet"


class NoteVisibility(enum.StrEnum):
    EVERYONE = "everyone"
    MANAGERS = "managers"
    PRIVATE = "private"


class HealthLevel(enum.StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class ChurnLevel(enum.StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
