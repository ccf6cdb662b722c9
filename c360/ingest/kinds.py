"""The CSV layouts the importer accepts: one ``Kind`` per file type, one ``Column`` per field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text
from sqlalchemy.types import TypeEngine

from c360.ingest import fields as f
from c360.models.enums import (
    Channel,
    CustomerStatus,
    Device,
    OrderStatus,
    TicketPriority,
    TicketStatus,
)
from c360.text import phone_digits, search_key

# What an empty cell of an optional column means.
NULL = "null"  # no value (the column is nullable)
REJECT = "reject"  # not allowed: leave the column out instead, or fill every cell


@dataclass(frozen=True)
class Column:
    """One CSV column: how a cell is parsed and what an empty cell means."""

    name: str
    parse: f.Parser
    type: TypeEngine[Any]
    help: str
    required: bool = False
    # NULL, REJECT, or the value stored for an empty cell.
    empty: Any = NULL
    # Surrounding spaces are trimmed, except in free text where they may matter.
    strip: bool = True


@dataclass(frozen=True)
class Kind:
    """One importable file type."""

    name: str
    table: str
    columns: tuple[Column, ...]
    # Columns that identify a row; the same key twice in one file is an error.
    key: tuple[str, ...]
    # Values computed from the parsed row (name -> search_name ...), with their staging types.
    derived: tuple[tuple[str, TypeEngine[Any]], ...] = ()
    derive: Callable[[dict[str, Any]], None] | None = None
    # Checks across the fields of one row; each returns a reason or None.
    row_checks: tuple[Callable[[dict[str, Any]], str | None], ...] = ()
    # The time column whose earliest value becomes registered_at of a customer created on demand.
    first_seen: str | None = None
    description: str = ""
    column_map: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_map", {c.name: c for c in self.columns})

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the columns every file of this kind must have."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def refers_to_customers(self) -> bool:
        """True when rows name their customer by ``customer_external_id``."""
        return "customer_external_id" in self.column_map


def _customer_ref() -> Column:
    return Column(
        "customer_external_id",
        f.text(64),
        String(64),
        "external_id of an imported customer",
        required=True,
    )


def _derive_customer(row: dict[str, Any]) -> None:
    row["search_name"] = search_key(row["name"])
    row["phone_digits"] = phone_digits(row.get("phone"))


def _derive_item(row: dict[str, Any]) -> None:
    row["line_total"] = row["quantity"] * row["unit_price"]


def _derive_session(row: dict[str, Any]) -> None:
    if row.get("bounced") is None:
        # The usual definition of a bounce: a session that saw a single page.
        row["bounced"] = row["page_views"] <= 1


def _not_before(later: str, earlier: str) -> Callable[[dict[str, Any]], str | None]:
    def check(row: dict[str, Any]) -> str | None:
        if (
            row.get(later) is not None
            and row.get(earlier) is not None
            and row[later] < row[earlier]
        ):
            return f"{later} is before {earlier}"
        return None

    return check


def _item_total_fits(row: dict[str, Any]) -> str | None:
    return "quantity × unit_price is too large" if row["line_total"] > f.MAX_BIGINT else None


CUSTOMERS = Kind(
    name="customers",
    table="customers",
    description="customers, keyed by external_id",
    key=("external_id",),
    columns=(
        Column("external_id", f.text(64), String(64), "your id of the customer", required=True),
        Column("name", f.text(200), String(200), "full name", required=True),
        Column("email", f.email, String(254), "e-mail address (stored lower-case)"),
        Column("phone", f.text(40), String(40), "phone number, any format"),
        Column(
            "registered_at",
            f.timestamp,
            DateTime(),
            "ISO 8601 time of registration (left out: the time of the first import)",
            empty=REJECT,
        ),
        Column(
            "status",
            f.one_of(CustomerStatus),
            String(24),
            "active, inactive, suspended or closed (empty: active)",
            empty=CustomerStatus.ACTIVE.value,
        ),
    ),
    derived=(("search_name", String(200)), ("phone_digits", String(40))),
    derive=_derive_customer,
)

ORDERS = Kind(
    name="orders",
    table="orders",
    description="orders, keyed by order_number",
    key=("order_number",),
    first_seen="ordered_at",
    columns=(
        Column("order_number", f.text(40), String(40), "unique order number", required=True),
        _customer_ref(),
        Column("ordered_at", f.timestamp, DateTime(), "ISO 8601 time of the order", required=True),
        Column(
            "status",
            f.one_of(OrderStatus),
            String(24),
            "pending, paid, shipped, delivered, completed, cancelled or refunded",
            required=True,
        ),
        Column(
            "total",
            f.money_cents,
            BigInteger(),
            "order total, a decimal amount such as 1234.50 (at most two decimals)",
            required=True,
        ),
        Column(
            "currency",
            f.text(3),
            String(3),
            "ISO 4217 code (empty: USD)",
            empty="USD",
        ),
    ),
)

ORDER_ITEMS = Kind(
    name="order-items",
    table="order_items",
    description="order lines, keyed by (order_number, line)",
    key=("order_number", "line"),
    columns=(
        Column(
            "order_number", f.text(40), String(40), "number of an imported order", required=True
        ),
        Column(
            "line",
            f.whole_number(1),
            Integer(),
            "line number within the order (1, 2, …)",
            required=True,
        ),
        Column("product_name", f.text(200), String(200), "product name", required=True),
        Column("quantity", f.whole_number(1), Integer(), "units, at least 1", required=True),
        Column("unit_price", f.money_cents, BigInteger(), "price of one unit", required=True),
        Column("category", f.text(100), String(100), "category name (created when new)"),
        Column("sku", f.text(40), String(40), "SKU of a known product (unknown SKUs: no link)"),
    ),
    derived=(("line_total", BigInteger()),),
    derive=_derive_item,
    row_checks=(_item_total_fits,),
)

TICKETS = Kind(
    name="tickets",
    table="support_tickets",
    description="support tickets, keyed by ticket_id",
    key=("ticket_id",),
    first_seen="created_at",
    columns=(
        Column("ticket_id", f.text(64), String(64), "your id of the ticket", required=True),
        _customer_ref(),
        Column("subject", f.text(300), String(300), "subject line", required=True),
        Column("created_at", f.timestamp, DateTime(), "ISO 8601 time it was opened", required=True),
        Column(
            "description",
            f.text(100_000),
            Text(),
            "full text (kept verbatim)",
            empty="",
            strip=False,
        ),
        Column(
            "status",
            f.one_of(TicketStatus),
            String(24),
            "open, in_progress, resolved or closed (empty: open)",
            empty=TicketStatus.OPEN.value,
        ),
        Column(
            "priority",
            f.one_of(TicketPriority),
            String(24),
            "low, medium, high or urgent (empty: medium)",
            empty=TicketPriority.MEDIUM.value,
        ),
        Column("category", f.text(40), String(40), "topic (empty: general)", empty="general"),
        Column("resolved_at", f.timestamp, DateTime(), "ISO 8601 time it was resolved"),
        Column("satisfaction", f.whole_number(1, 5), Integer(), "rating 1–5"),
    ),
    row_checks=(_not_before("resolved_at", "created_at"),),
)

MARKETING_EVENTS = Kind(
    name="marketing-events",
    table="campaign_messages",
    description="one row per campaign message sent to a customer, keyed by message_id",
    key=("message_id",),
    first_seen="sent_at",
    columns=(
        Column("message_id", f.text(64), String(64), "your id of the message", required=True),
        _customer_ref(),
        Column(
            "campaign", f.text(200), String(200), "campaign name (created when new)", required=True
        ),
        Column("channel", f.one_of(Channel), String(24), "email, sms or push", required=True),
        Column("sent_at", f.timestamp, DateTime(), "ISO 8601 time it was sent", required=True),
        Column("opened_at", f.timestamp, DateTime(), "ISO 8601 time it was opened"),
        Column("clicked_at", f.timestamp, DateTime(), "ISO 8601 time it was clicked"),
    ),
    row_checks=(_not_before("opened_at", "sent_at"), _not_before("clicked_at", "sent_at")),
)

SESSIONS = Kind(
    name="sessions",
    table="web_sessions",
    description="web sessions, keyed by session_id",
    key=("session_id",),
    first_seen="started_at",
    columns=(
        Column("session_id", f.text(64), String(64), "your id of the session", required=True),
        _customer_ref(),
        Column("device", f.one_of(Device), String(24), "mobile, desktop or tablet", required=True),
        Column("started_at", f.timestamp, DateTime(), "ISO 8601 start time", required=True),
        Column(
            "duration_seconds", f.whole_number(0), Integer(), "length in seconds", required=True
        ),
        Column("page_views", f.whole_number(0), Integer(), "pages viewed", required=True),
        Column(
            "bounced",
            f.boolean,
            Boolean(),
            "true/false (empty or left out: true when page_views ≤ 1)",
        ),
    ),
    derive=_derive_session,
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (CUSTOMERS, ORDERS, ORDER_ITEMS, TICKETS, MARKETING_EVENTS, SESSIONS)
}
