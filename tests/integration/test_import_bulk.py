"""Bulk loads on PostgreSQL set foreign keys aside and put them back exactly as migrated."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select, text

from c360.ingest import import_csv, loaders
from c360.models import Customer, Order, OrderItem


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write ``rows`` (header first) as a UTF-8 CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def foreign_keys(engine: Engine, table: str) -> list[tuple[str, str]]:
    """Name and definition of every foreign key of ``table``."""
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"
                ),
                {"t": table},
            )
        ]


def test_a_bulk_load_restores_every_foreign_key_and_its_cascade(
    pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "BULK_ROWS", 2)
    before = {t: foreign_keys(pg_engine, t) for t in ("orders", "order_items")}
    customers = [["external_id", "name"], ["C1", "Ada"], ["C2", "Bob"]]
    orders = [["order_number", "customer_external_id", "ordered_at", "status", "total"]] + [
        [f"A{i}", f"C{1 + i % 2}", "2024-01-01", "completed", "10"] for i in range(10)
    ]
    items = [["order_number", "line", "product_name", "quantity", "unit_price", "category"]] + [
        [f"A{i}", "1", "Mug", "1", "10", "Kitchen"] for i in range(10)
    ]
    for kind, rows in (("customers", customers), ("orders", orders), ("order-items", items)):
        assert import_csv(pg_engine, kind, write_csv(tmp_path / f"{kind}.csv", rows)).written

    assert {t: foreign_keys(pg_engine, t) for t in before} == before
    with pg_engine.begin() as conn:
        conn.execute(delete(Customer).where(Customer.external_id == "C1"))
    with pg_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Order)).scalar_one() == 5
        assert conn.execute(select(func.count()).select_from(OrderItem)).scalar_one() == 5
