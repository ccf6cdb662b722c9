"""Every table of the schema, importable from one place."""

from c360.models.base import Base, utcnow
from c360.models.behaviour import CategoryView, ProductView, WebSession
from c360.models.commerce import (
    Address,
    Category,
    Customer,
    CustomerStats,
    Order,
    OrderItem,
    PaymentMethod,
    PaymentTransaction,
    Product,
    Refund,
)
from c360.models.enums import *  # noqa: F403
from c360.models.insight import (
    ChurnRisk,
    CustomerNote,
    CustomerSegment,
    CustomerTag,
    HealthScore,
    Segment,
    Tag,
)
from c360.models.loyalty import LoyaltyAccount, LoyaltyTransaction, Referral
from c360.models.marketing import Campaign, CampaignMessage, MarketingConsent
from c360.models.operations import (
    ActivityLog,
    AppSetting,
    EmailOutbox,
    ModelFit,
    Notification,
    Prediction,
    ScoreHistory,
)
from c360.models.staff import StaffUser
from c360.models.support import SupportTicket

__all__ = [
    "ActivityLog",
    "Address",
    "AppSetting",
    "Base",
    "Campaign",
    "CampaignMessage",
    "Category",
    "CategoryView",
    "ChurnRisk",
    "Customer",
    "CustomerNote",
    "CustomerSegment",
    "CustomerStats",
    "CustomerTag",
    "EmailOutbox",
    "HealthScore",
    "LoyaltyAccount",
    "LoyaltyTransaction",
    "MarketingConsent",
    "ModelFit",
    "Notification",
    "Order",
    "OrderItem",
    "PaymentMethod",
    "PaymentTransaction",
    "Prediction",
    "Product",
    "ProductView",
    "Referral",
    "Refund",
    "ScoreHistory",
    "Segment",
    "StaffUser",
    "SupportTicket",
    "Tag",
    "WebSession",
    "utcnow",
]
