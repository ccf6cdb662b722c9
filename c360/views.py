"""The typed views the pages receive: frozen dataclasses, filled by c360 query functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from c360.models.enums import (
    Channel,
    ChurnLevel,
    CustomerStatus,
    HealthLevel,
    LoyaltyTier,
    NoteVisibility,
    OrderStatus,
    PaymentMethodType,
    PaymentStatus,
    PointsKind,
    TicketPriority,
    TicketStatus,
)


@dataclass(frozen=True)
class AddressView:
    id: int
    label: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str
    is_default: bool


@dataclass(frozen=True)
class Tag:
    id: int
    name: str
    color: str
    description: str
    assigned_at: datetime | None = None
    assigned_by: str | None = None


@dataclass(frozen=True)
class Segment:
    id: int
    name: str
    description: str
    criteria: dict
    is_automatic: bool
    assigned_at: datetime | None = None
    member_count: int | None = None
    is_builtin: bool = False


@dataclass(frozen=True)
class CustomerProfile:
    id: int
    external_id: str | None
    name: str
    initials: str
    email: str | None
    phone: str | None
    avatar_url: str | None
    registered_at: datetime
    status: CustomerStatus
    account_manager: str | None
    addresses: tuple[AddressView, ...] = ()
    tags: tuple[Tag, ...] = ()
    segments: tuple[Segment, ...] = ()
    loyalty_tier: LoyaltyTier | None = None


@dataclass(frozen=True)
class CustomerMetrics:
    # Sum of delivered + completed orders (REVENUE_STATUSES), exactly.
    lifetime_value: Decimal
    total_orders: int
    completed_orders: int
    # lifetime_value / completed_orders (0 when there are none).
    average_order_value: Decimal
    # Every order the customer was charged for and kept: paid, shipped, delivered, completed.
    total_spent: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None
    days_since_last_purchase: int | None
    purchase_frequency_per_month: float
    tenure_days: int


@dataclass(frozen=True)
class ScoreFactor:
    name: str
    score: float
    weight: float
    detail: str


@dataclass(frozen=True)
class HealthScore:
    score: float
    level: HealthLevel
    factors: tuple[ScoreFactor, ...]
    recommendations: tuple[str, ...]
    calculated_at: datetime


@dataclass(frozen=True)
class ChurnRisk:
    level: ChurnLevel
    score: float
    days_since_last_purchase: int | None
    engagement_decline: float
    support_issues: int
    factors: tuple[str, ...]
    retention_strategies: tuple[str, ...]
    calculated_at: datetime


@dataclass(frozen=True)
class Prediction:
    prob_alive: float
    prob_no_purchase_90d: float
    expected_purchases_90d: float
    predicted_value_12m: Decimal
    expected_next_order_at: datetime | None
    typical_gap_days: float | None
    overdue_reorder: bool
    calculated_at: datetime


@dataclass(frozen=True)
class FactorMove:
    """How much one health component moved between two scoring runs."""

    name: str
    before: float
    after: float
    delta: float
    weighted_delta: float  # points of the total score this move accounts for


@dataclass(frozen=True)
class ScoreHistoryEntry:
    calculated_at: datetime
    health_score: float
    health_level: HealthLevel
    components: dict[str, float]
    churn_score: float
    churn_level: ChurnLevel
    moves: tuple[FactorMove, ...]  # against the previous run; empty for the first


@dataclass(frozen=True)
class AtRiskEntry:
    customer_id: int
    name: str
    account_manager: str | None
    churn_level: ChurnLevel
    churn_probability: float
    value_at_stake: Decimal
    expected_loss: Decimal
    health_score: float | None
    days_since_last_purchase: int | None
    overdue_reorder: bool
    reason: str


@dataclass(frozen=True)
class AtRiskPage:
    entries: tuple[AtRiskEntry, ...]
    total: int
    total_expected_loss: Decimal


@dataclass(frozen=True)
class OrderItemView:
    product_name: str
    category: str | None
    quantity: int
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class PaymentView:
    id: int
    order_number: str | None
    amount: Decimal
    status: PaymentStatus
    method: str
    created_at: datetime


@dataclass(frozen=True)
class OrderSummary:
    id: int
    order_number: str
    created_at: datetime
    status: OrderStatus
    total: Decimal
    item_count: int


@dataclass(frozen=True)
class OrdersPage:
    orders: tuple[OrderSummary, ...]
    # Opaque keyset cursor for "load more"; None when this is the last page.
    next_cursor: str | None


@dataclass(frozen=True)
class OrderDetail:
    order: OrderSummary
    items: tuple[OrderItemView, ...]
    payments: tuple[PaymentView, ...]


@dataclass(frozen=True)
class PaymentMethodView:
    id: int
    type: PaymentMethodType
    brand: str | None
    # "4242", or "••••" when the actor may not see payment details.
    last4: str | None
    # "08/2027", or "••/••••" when masked.
    expiry: str | None
    is_default: bool
    is_expired: bool


@dataclass(frozen=True)
class PaymentSummary:
    methods: tuple[PaymentMethodView, ...]
    transactions: tuple[PaymentView, ...]
    next_cursor: str | None
    transaction_count: int
    total_successful: Decimal
    total_refunded: Decimal
    failed_count: int
    refunded_count: int
    details_masked: bool


@dataclass(frozen=True)
class PointsTransaction:
    id: int
    kind: PointsKind
    points: int
    reason: str
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class LoyaltyStatus:
    tier: LoyaltyTier
    points_balance: int
    lifetime_points: int
    next_tier: LoyaltyTier | None
    points_to_next_tier: int | None
    progress_to_next_tier: float
    points_expiring_30d: int
    referral_code: str
    referral_count: int
    recent_transactions: tuple[PointsTransaction, ...]


@dataclass(frozen=True)
class CampaignReceived:
    campaign: str
    channel: Channel
    sent_at: datetime
    opened_at: datetime | None
    clicked_at: datetime | None


@dataclass(frozen=True)
class MarketingEngagement:
    consents: dict[Channel, bool]
    recent_campaigns: tuple[CampaignReceived, ...]
    messages_sent: int
    open_rate: float | None
    click_through_rate: float | None
    last_email_opened_at: datetime | None
    last_campaign_clicked: str | None
    last_campaign_clicked_at: datetime | None = None
    messages_opened: int = 0
    messages_clicked: int = 0


@dataclass(frozen=True)
class TicketView:
    id: int
    subject: str
    description: str
    status: TicketStatus
    priority: TicketPriority
    created_at: datetime
    resolved_at: datetime | None
    satisfaction_rating: int | None

    @property
    def is_open(self) -> bool:
        return self.status in (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)


@dataclass(frozen=True)
class SupportHistory:
    tickets: tuple[TicketView, ...]
    total_tickets: int
    open_tickets: int
    average_resolution_hours: float | None
    average_satisfaction: float | None
    next_cursor: str | None = None


@dataclass(frozen=True)
class TimelineEvent:
    kind: str
    occurred_at: datetime
    description: str
    details: dict = field(default_factory=dict)
    actor: str | None = None
    key: str = ""


@dataclass(frozen=True)
class TimelinePage:
    events: tuple[TimelineEvent, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class ActivityCount:
    """Timeline events of one kind in one calendar month (for the activity-over-time chart)."""

    month: date
    kind: str
    count: int


@dataclass(frozen=True)
class BehavioralAnalytics:
    most_viewed_categories: tuple[tuple[str, int], ...]
    most_purchased_categories: tuple[tuple[str, int], ...]
    session_count: int
    average_session_seconds: float | None
    device_breakdown: dict[str, int]
    # (weekday 0=Monday, hour 0-23) -> sessions
    activity_heatmap: dict[tuple[int, int], int]


@dataclass(frozen=True)
class CustomerNote:
    id: int
    author: str | None
    author_id: int | None
    content: str
    visibility: NoteVisibility
    created_at: datetime
    edited_at: datetime | None


@dataclass(frozen=True)
class Customer360View:
    """Everything the profile page shows, built by ``c360.profile.build_customer_360``."""

    profile: CustomerProfile
    metrics: CustomerMetrics
    # None until the scoring job has stored a row: shown as "Not scored yet".
    health: HealthScore | None
    churn: ChurnRisk | None
    prediction: Prediction | None
    # The first page of orders, newest first; more via c360.profile.orders.orders_page.
    recent_orders: tuple[OrderSummary, ...]
    loyalty: LoyaltyStatus | None
    marketing: MarketingEngagement
    support: SupportHistory
    payments: PaymentSummary
    behaviour: BehavioralAnalytics
    # Only the notes the viewing actor may read.
    notes: tuple[CustomerNote, ...]
    orders_next_cursor: str | None = None
    built_at: datetime | None = None


@dataclass(frozen=True)
class CustomerSearchParams:
    query: str = ""
    segment_ids: tuple[int, ...] = ()
    tiers: tuple[LoyaltyTier, ...] = ()
    tag_ids: tuple[int, ...] = ()
    registered_from: date | None = None
    registered_to: date | None = None
    last_purchase_from: date | None = None
    last_purchase_to: date | None = None
    ltv_min: Decimal | None = None
    ltv_max: Decimal | None = None
    orders_min: int | None = None
    orders_max: int | None = None
    health_levels: tuple[HealthLevel, ...] = ()
    churn_levels: tuple[ChurnLevel, ...] = ()
    sort: str = "name"
    descending: bool = False
    page: int = 1
    page_size: int = 25


@dataclass(frozen=True)
class CustomerComparison:
    customers: tuple[Customer360View, ...]
    shared_segments: tuple[str, ...]
    shared_tags: tuple[str, ...]


@dataclass(frozen=True)
class ExportOptions:
    format: str = "pdf"  # "pdf" or "csv"
    include_notes: bool = True
    include_orders: bool = True


@dataclass(frozen=True)
class SendEmailInput:
    customer_id: int
    template: str
    subject: str
    body: str


@dataclass(frozen=True)
class CreateTicketInput:
    customer_id: int
    subject: str
    description: str
    priority: TicketPriority = TicketPriority.MEDIUM


@dataclass(frozen=True)
class AdjustPointsInput:
    customer_id: int
    points: int
    reason: str


@dataclass(frozen=True)
class AddNoteInput:
    customer_id: int
    content: str
    visibility: NoteVisibility = NoteVisibility.EVERYONE
