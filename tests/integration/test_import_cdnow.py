"""The real CDNOW purchases, turned into customers and orders CSV files, load exactly."""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from c360.ingest import import_csv
from c360.models import Customer, CustomerStats, Order
from tests.datasets import CDNOW_SAMPLE as CDNOW


@pytest.fixture(scope="module")
def cdnow_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int, Decimal]:
    """customers.csv and orders.csv from CDNOW_sample.txt, with the file's row count and sum."""
    folder = tmp_path_factory.mktemp("cdnow")
    first_purchase: dict[str, str] = {}
    rows = 0
    revenue = Decimal(0)
    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as handle:
        orders = csv.writer(handle)
        orders.writerow(["order_number", "customer_external_id", "ordered_at", "status", "total"])
        for line in CDNOW.read_text(encoding="ascii").splitlines():
            _master_id, sample_id, day, _cds, dollars = line.split()
            rows += 1
            revenue += Decimal(dollars)
            ordered_at = datetime.strptime(day, "%Y%m%d").date().isoformat()
            first_purchase.setdefault(sample_id, ordered_at)
            orders.writerow([f"CDNOW-{rows:05d}", sample_id, ordered_at, "completed", dollars])
    with (folder / "customers.csv").open("w", newline="", encoding="utf-8") as handle:
        customers = csv.writer(handle)
        customers.writerow(["external_id", "name", "registered_at"])
        for sample_id, day in first_purchase.items():
            customers.writerow([sample_id, f"CDNOW customer {int(sample_id)}", day])
    return folder / "customers.csv", folder / "orders.csv", rows, revenue


def test_cdnow_purchases_load_with_the_files_order_count_and_revenue(
    engine: Engine, cdnow_files: tuple[Path, Path, int, Decimal]
) -> None:
    customers_csv, orders_csv, rows, revenue = cdnow_files
    assert rows == 6919

    assert import_csv(engine, "customers", customers_csv).counts.inserted == 2357
    report = import_csv(engine, "orders", orders_csv)

    assert report.written and report.counts.inserted == rows
    with engine.connect() as conn:
        orders, total_cents = conn.execute(select(func.count(), func.sum(Order.total_cents))).one()
        customers = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
        rollup = conn.execute(
            select(func.count(), func.sum(CustomerStats.lifetime_value_cents))
        ).one()
    assert orders == rows
    assert Decimal(total_cents) / 100 == revenue
    assert customers == 2357
    assert tuple(rollup) == (2357, total_cents)

    again = import_csv(engine, "orders", orders_csv)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, rows)
