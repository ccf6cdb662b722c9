"""Each kind of CSV file lands in its tables, normalised as the app does and stored verbatim."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from c360.errors import PermissionDenied
from c360.ingest import import_as, import_csv, import_upload
from c360.models import (
    ActivityLog,
    Campaign,
    CampaignMessage,
    Category,
    Customer,
    CustomerStats,
    Order,
    OrderItem,
    StaffRole,
    SupportTicket,
    WebSession,
)
from c360.permissions import Actor

CUSTOMERS = [
    ["external_id", "name", "email", "phone", "registered_at"],
    ["C1", "Zoë  Ångström", " ZOE@Example.COM ", "+1 (555) 010-2030", "2024-01-05T10:00:00+01:00"],
    ["C2", "Bob", "bob@example.com", "", "2024-01-06"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write ``rows`` (header first) as a UTF-8 CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def load(engine: Engine, folder: Path, kind: str, rows: list[list[str]], **options: object):  # type: ignore[no-untyped-def]
    """Import ``rows`` as ``kind`` and insist that it loaded."""
    report = import_csv(engine, kind, write_csv(folder / f"{kind}.csv", rows), **options)
    assert report.written, report.report_lines()
    return report


@pytest.fixture
def with_customers(engine: Engine, tmp_path: Path) -> Engine:
    """``engine`` holding CUSTOMERS."""
    load(engine, tmp_path, "customers", CUSTOMERS)
    return engine


def test_customers_are_stored_normalised_as_the_app_does(with_customers: Engine) -> None:
    with with_customers.connect() as conn:
        zoe = conn.execute(select(Customer).where(Customer.external_id == "C1")).one()
    assert zoe.name == "Zoë  Ångström"
    assert zoe.search_name == "zoe angstrom"
    assert zoe.email == "zoe@example.com"
    assert zoe.phone_digits == "15550102030"
    assert zoe.registered_at == datetime(2024, 1, 5, 9, 0)
    assert zoe.status == "active"


def test_orders_store_exact_cents_and_refresh_customer_stats(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = [
        ["order_number", "customer_external_id", "ordered_at", "status", "total"],
        ["A1", "C1", "2024-02-01T10:00:00Z", "completed", "0.10"],
        ["A2", "C1", "2024-02-02T10:00:00Z", "delivered", "0.20"],
        ["A3", "C1", "2024-02-03T10:00:00Z", "refunded", "99.99"],
        ["A4", "C2", "2024-02-04T10:00:00Z", "pending", "5"],
    ]
    load(with_customers, tmp_path, "orders", rows)

    with with_customers.connect() as conn:
        totals = dict(conn.execute(select(Order.order_number, Order.total_cents)).all())
        stats = conn.execute(
            select(CustomerStats).join(Customer).where(Customer.external_id == "C1")
        ).one()
    assert totals == {"A1": 10, "A2": 20, "A3": 9999, "A4": 500}
    assert (stats.order_count, stats.completed_order_count, stats.lifetime_value_cents) == (
        3,
        2,
        30,
    )


def test_order_items_link_orders_and_create_their_categories(
    with_customers: Engine, tmp_path: Path
) -> None:
    load(
        with_customers,
        tmp_path,
        "orders",
        [
            ["order_number", "customer_external_id", "ordered_at", "status", "total"],
            ["A1", "C2", "2024-02-01", "completed", "31.00"],
        ],
    )
    rows = [
        ["order_number", "line", "product_name", "quantity", "unit_price", "category"],
        ["A1", "1", "Mug", "3", "7.00", "Kitchen"],
        ["A1", "2", "Tea", "1", "10.00", ""],
    ]
    load(with_customers, tmp_path, "order-items", rows)

    with with_customers.connect() as conn:
        items = conn.execute(
            select(
                OrderItem.line_no,
                OrderItem.quantity,
                OrderItem.unit_price_cents,
                OrderItem.total_cents,
                Category.name,
                Customer.external_id,
            )
            .join(Customer, Customer.id == OrderItem.customer_id)
            .outerjoin(Category, Category.id == OrderItem.category_id)
            .order_by(OrderItem.line_no)
        ).all()
    assert [tuple(i) for i in items] == [
        (1, 3, 700, 2100, "Kitchen", "C2"),
        (2, 1, 1000, 1000, None, "C2"),
    ]


def test_tickets_load_with_their_defaults_and_checks(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = [
        ["ticket_id", "customer_external_id", "subject", "created_at", "priority", "satisfaction"],
        ["T1", "C1", "Where is my order?", "2024-03-01T10:00Z", "HIGH", "4"],
        ["T2", "C1", "Broken", "2024-03-01T10:00Z", "", "9"],
    ]
    report = import_csv(with_customers, "tickets", write_csv(tmp_path / "t.csv", rows))
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "satisfaction: '9' is not between 1 and 5")
    ]
    rows.pop()
    load(with_customers, tmp_path, "tickets", rows)

    with with_customers.connect() as conn:
        ticket = conn.execute(select(SupportTicket)).one()
    assert (ticket.external_id, ticket.status, ticket.priority, ticket.category) == (
        "T1",
        "open",
        "high",
        "general",
    )
    assert (ticket.description, ticket.satisfaction_rating) == ("", 4)


def test_marketing_events_create_their_campaigns_and_refuse_opens_before_sends(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = [
        ["message_id", "customer_external_id", "campaign", "channel", "sent_at", "opened_at"],
        ["M1", "C1", "Spring", "email", "2024-03-10T07:00Z", "2024-03-10T08:00Z"],
        ["M2", "C2", "Spring", "email", "2024-03-09T07:00Z", ""],
        ["M3", "C2", "Spring", "email", "2024-03-10T07:00Z", "2024-03-09T07:00Z"],
    ]
    report = import_csv(with_customers, "marketing-events", write_csv(tmp_path / "m.csv", rows))
    assert [(p.line, p.reason) for p in report.problems] == [(4, "opened_at is before sent_at")]
    rows.pop()
    load(with_customers, tmp_path, "marketing-events", rows)

    with with_customers.connect() as conn:
        campaign = conn.execute(select(Campaign)).one()
        messages = conn.execute(select(CampaignMessage).order_by(CampaignMessage.external_id)).all()
    assert (campaign.name, campaign.channel, campaign.started_at) == (
        "Spring",
        "email",
        datetime(2024, 3, 9, 7),
    )
    assert [(m.external_id, m.campaign_id, m.opened_at) for m in messages] == [
        ("M1", campaign.id, datetime(2024, 3, 10, 8)),
        ("M2", campaign.id, None),
    ]


def test_sessions_take_bounced_from_the_file_or_from_a_single_page_view(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = [
        ["session_id", "customer_external_id", "device", "started_at", "duration_seconds"]
        + ["page_views", "bounced"],
        ["S1", "C1", "mobile", "2024-03-01T09:50Z", "600", "7", ""],
        ["S2", "C1", "Desktop", "2024-03-01T10:50Z", "5", "1", ""],
        ["S3", "C2", "tablet", "2024-03-01T11:50Z", "40", "1", "no"],
    ]
    load(with_customers, tmp_path, "sessions", rows)

    with with_customers.connect() as conn:
        sessions = conn.execute(
            select(WebSession.external_id, WebSession.device, WebSession.bounced).order_by(
                WebSession.external_id
            )
        ).all()
    assert [tuple(s) for s in sessions] == [
        ("S1", "mobile", False),
        ("S2", "desktop", True),
        ("S3", "tablet", False),
    ]


def test_create_missing_customers_creates_each_referenced_customer_once(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        ["order_number", "customer_external_id", "ordered_at", "status", "total"],
        ["A1", "NEW-1", "2024-02-03T10:00:00Z", "completed", "10"],
        ["A2", "NEW-1", "2024-02-01T10:00:00Z", "completed", "20"],
        ["A3", "NEW-2", "2024-02-05T10:00:00Z", "paid", "30"],
    ]
    refused = import_csv(engine, "orders", write_csv(tmp_path / "o.csv", rows))
    assert [p.line for p in refused.problems] == [2, 3, 4]

    report = load(engine, tmp_path, "orders", rows, create_missing_customers=True)

    assert report.counts.created_customers == 2 and report.counts.inserted == 3
    with engine.connect() as conn:
        made = conn.execute(
            select(
                Customer.external_id, Customer.name, Customer.search_name, Customer.registered_at
            ).order_by(Customer.external_id)
        ).all()
    assert [tuple(c) for c in made] == [
        ("NEW-1", "Customer NEW-1", "customer new-1", datetime(2024, 2, 1, 10)),
        ("NEW-2", "Customer NEW-2", "customer new-2", datetime(2024, 2, 5, 10)),
    ]
    again = load(engine, tmp_path, "orders", rows, create_missing_customers=True)
    assert (again.counts.created_customers, again.counts.unchanged) == (0, 3)


HOSTILE = [
    'O\'Brien "The Hammer"',
    "Robert'); DROP TABLE customers;--",
    "100% _real_ \\N \\x41 %s {name}",
    "Émoji 🎉👩‍👩‍👧 名前",
    "tab\there, comma, semicolon;",
]


def test_hostile_strings_are_stored_verbatim(engine: Engine, tmp_path: Path) -> None:
    customers = [["external_id", "name"]] + [[f"X{i}%_'", text] for i, text in enumerate(HOSTILE)]
    load(engine, tmp_path, "customers", customers)
    tickets = [["ticket_id", "customer_external_id", "subject", "description", "created_at"]] + [
        [f"T{i}", f"X{i}%_'", text, f"  line one\n{text}\r\nline three  ", "2024-01-01"]
        for i, text in enumerate(HOSTILE)
    ]
    load(engine, tmp_path, "tickets", tickets)

    with engine.connect() as conn:
        names = dict(conn.execute(select(Customer.external_id, Customer.name)).all())
        stored = conn.execute(
            select(SupportTicket.external_id, SupportTicket.subject, SupportTicket.description)
        ).all()
    assert names == {f"X{i}%_'": text for i, text in enumerate(HOSTILE)}
    assert sorted(tuple(t) for t in stored) == sorted(
        (f"T{i}", text, f"  line one\n{text}\r\nline three  ") for i, text in enumerate(HOSTILE)
    )
    again = import_csv(engine, "tickets", write_csv(tmp_path / "again.csv", tickets))
    assert again.counts.unchanged == len(HOSTILE)


def test_importing_on_behalf_of_staff_requires_the_import_permission(
    engine: Engine, tmp_path: Path, actors: dict[StaffRole, Actor]
) -> None:
    path = write_csv(tmp_path / "c.csv", CUSTOMERS)
    for role in (StaffRole.ANALYST, StaffRole.ACCOUNT_MANAGER, StaffRole.MANAGER):
        with pytest.raises(PermissionDenied):
            import_as(actors[role], engine, "customers", path)
        with pytest.raises(PermissionDenied):
            import_upload(actors[role], engine, "customers", "c.csv", path.read_bytes())
    with pytest.raises(PermissionDenied):
        import_as(None, engine, "customers", path)  # type: ignore[arg-type]

    report = import_as(actors[StaffRole.ADMIN], engine, "customers", path)

    assert report.written
    with engine.connect() as conn:
        customers = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
        logged_by = conn.execute(select(ActivityLog.actor_id)).scalar_one()
    assert customers == 2
    assert logged_by == actors[StaffRole.ADMIN].id
