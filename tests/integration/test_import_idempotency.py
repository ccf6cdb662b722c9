"""CSV import is idempotent: the same file twice changes nothing; a changed row updates."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from c360.ingest import import_csv
from c360.models import ActivityLog, Base, Customer, CustomerStats, Order, SupportTicket

FILES: dict[str, list[list[str]]] = {
    "customers": [
        ["external_id", "name", "email", "phone", "registered_at", "status"],
        ["C1", "Ada Lovelace", "Ada@Example.com", "+44 20 7946 0001", "2024-01-01T09:00Z", ""],
        ["C2", "Alan Turing", "alan@example.com", "", "2024-01-02", "inactive"],
    ],
    "orders": [
        ["order_number", "customer_external_id", "ordered_at", "status", "total", "currency"],
        ["A1", "C1", "2024-03-01T10:00:00Z", "completed", "12.50", "EUR"],
        ["A2", "C1", "2024-03-05T10:00:00Z", "paid", "7.25", ""],
        ["A3", "C2", "2024-04-01T10:00:00Z", "delivered", "100", "USD"],
    ],
    "order-items": [
        ["order_number", "line", "product_name", "quantity", "unit_price", "category", "sku"],
        ["A1", "1", "Blue mug", "2", "6.25", "Kitchen", ""],
        ["A3", "1", "Kettle", "1", "100.00", "Kitchen", "NO-SUCH-SKU"],
    ],
    "tickets": [
        ["ticket_id", "customer_external_id", "subject", "created_at", "status", "resolved_at"],
        ["T1", "C1", "Mug arrived broken", "2024-03-03T08:00Z", "resolved", "2024-03-04T08:00Z"],
    ],
    "marketing-events": [
        ["message_id", "customer_external_id", "campaign", "channel", "sent_at", "opened_at"],
        ["M1", "C1", "Spring sale", "email", "2024-03-10T07:00Z", "2024-03-10T09:00Z"],
        ["M2", "C2", "Spring sale", "email", "2024-03-10T07:00Z", ""],
    ],
    "sessions": [
        ["session_id", "customer_external_id", "device", "started_at", "duration_seconds"]
        + ["page_views"],
        ["S1", "C1", "mobile", "2024-03-01T09:50Z", "600", "7"],
        ["S2", "C2", "desktop", "2024-03-02T20:00Z", "15", "1"],
    ],
}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write ``rows`` (header first) as a UTF-8 CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the activity log, in id order."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(t.select().order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables
            if t.name != "activity_log"
        }


def import_all(engine: Engine, folder: Path) -> dict[str, Any]:
    """Import every file of FILES in order; return the reports by kind."""
    reports = {}
    for kind, rows in FILES.items():
        report = import_csv(engine, kind, write_csv(folder / f"{kind}.csv", rows))
        assert report.written, report.report_lines()
        reports[kind] = report
    return reports


def test_importing_every_kind_twice_changes_nothing_the_second_time(
    engine: Engine, tmp_path: Path
) -> None:
    first = import_all(engine, tmp_path)
    assert {k: r.counts.inserted for k, r in first.items()} == {
        k: len(rows) - 1 for k, rows in FILES.items()
    }
    before = snapshot(engine)

    second = import_all(engine, tmp_path)

    for kind, report in second.items():
        assert (report.counts.inserted, report.counts.updated) == (0, 0), kind
        assert report.counts.unchanged == len(FILES[kind]) - 1, kind
    # Same rows, same values, same updated_at: nothing was rewritten.
    assert snapshot(engine) == before


def test_a_changed_row_updates_that_row_only_and_its_customer_stats(
    engine: Engine, tmp_path: Path
) -> None:
    import_all(engine, tmp_path)
    with engine.connect() as conn:
        stamps = dict(conn.execute(select(Order.order_number, Order.updated_at)).all())
    changed = [row[:] for row in FILES["orders"]]
    changed[1][4] = "13.75"  # A1: 12.50 -> 13.75

    report = import_csv(engine, "orders", write_csv(tmp_path / "changed.csv", changed))

    assert (report.counts.inserted, report.counts.updated, report.counts.unchanged) == (0, 1, 2)
    with engine.connect() as conn:
        after = {
            n: (t, u)
            for n, t, u in conn.execute(
                select(Order.order_number, Order.total_cents, Order.updated_at)
            )
        }
        lifetime = conn.execute(
            select(CustomerStats.lifetime_value_cents)
            .join(Customer, Customer.id == CustomerStats.customer_id)
            .where(Customer.external_id == "C1")
        ).scalar_one()
    assert after["A1"][0] == 1375 and after["A1"][1] > stamps["A1"]
    assert after["A2"][1] == stamps["A2"] and after["A3"][1] == stamps["A3"]
    assert lifetime == 1375  # A2 is only paid: not revenue


def test_an_order_moved_to_another_customer_refreshes_both_customers_stats(
    engine: Engine, tmp_path: Path
) -> None:
    import_all(engine, tmp_path)
    moved = [row[:] for row in FILES["orders"]]
    moved[3][1] = "C1"  # A3 (delivered, 100.00) now belongs to C1

    import_csv(engine, "orders", write_csv(tmp_path / "moved.csv", moved))

    with engine.connect() as conn:
        stats = dict(
            conn.execute(
                select(Customer.external_id, CustomerStats.lifetime_value_cents).join(
                    CustomerStats, CustomerStats.customer_id == Customer.id
                )
            ).all()
        )
    assert stats == {"C1": 1250 + 10000}


def test_each_import_appends_one_activity_row_with_its_counts(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "customers.csv", FILES["customers"])
    import_csv(engine, "customers", path)
    import_csv(engine, "customers", path)
    import_csv(engine, "customers", path, dry_run=True)

    with engine.connect() as conn:
        rows = conn.execute(select(ActivityLog).order_by(ActivityLog.id)).all()
    assert [(r.action, r.entity_type, r.actor_id) for r in rows] == [
        ("import", "customers", None),
        ("import", "customers", None),
    ]
    assert rows[0].after["inserted"] == 2 and rows[1].after["unchanged"] == 2
    assert "customers.csv" in rows[1].summary


def test_columns_left_out_of_a_file_keep_their_stored_values(
    engine: Engine, tmp_path: Path
) -> None:
    import_all(engine, tmp_path)
    renamed = [["external_id", "name"], ["C1", "Ada King"]]

    report = import_csv(engine, "customers", write_csv(tmp_path / "names.csv", renamed))

    assert report.counts.updated == 1
    with engine.connect() as conn:
        ada = conn.execute(select(Customer).where(Customer.external_id == "C1")).one()
    assert (ada.name, ada.search_name, ada.email, ada.phone_digits) == (
        "Ada King",
        "ada king",
        "ada@example.com",
        "442079460001",
    )
    assert ada.registered_at.isoformat() == "2024-01-01T09:00:00"


def test_a_ticket_resolved_later_is_updated_in_place(engine: Engine, tmp_path: Path) -> None:
    import_all(engine, tmp_path)
    rows = [row[:] for row in FILES["tickets"]]
    rows[1][4], rows[1][5] = "closed", "2024-03-06T08:00Z"

    report = import_csv(engine, "tickets", write_csv(tmp_path / "t.csv", rows))

    assert report.counts.updated == 1
    with engine.connect() as conn:
        ticket = conn.execute(select(SupportTicket)).one()
    assert (ticket.status, ticket.resolved_at.day) == ("closed", 6)
