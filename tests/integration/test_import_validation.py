"""CSV import checks: every bad row reported by line, dry runs and failed loads write nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from c360.errors import ValidationError
from c360.ingest import import_csv
from c360.models import Base, Customer, Order

CUSTOMERS = [
    ["external_id", "name", "email", "phone", "registered_at"],
    ["C1", "Ada Lovelace", "ada@example.com", "+44 20 7946 0001", "2024-01-01T09:00:00Z"],
    ["C2", "Alan Turing", "alan@example.com", "", "2024-01-02"],
]
ORDER_HEADER = ["order_number", "customer_external_id", "ordered_at", "status", "total"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write ``rows`` (header first) as a UTF-8 CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count of every table."""
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


@pytest.fixture
def with_customers(engine: Engine, tmp_path: Path) -> Engine:
    """``engine`` holding the two CUSTOMERS."""
    assert import_csv(engine, "customers", write_csv(tmp_path / "c.csv", CUSTOMERS)).written
    return engine


def test_a_dry_run_reports_every_bad_row_with_its_line_number_and_writes_nothing(
    with_customers: Engine, tmp_path: Path
) -> None:
    engine = with_customers
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_number,customer_external_id,ordered_at,status,total\n"  # line 1
        "A1,C1,2024-03-01T10:00:00Z,completed,12.50\n"  # 2 ok
        "A2,C9,2024-03-01,paid,5\n"  # 3 unknown customer
        "A3,C1,yesterday,lost,-3\n"  # 4 three reasons
        '"A4","C2","2024-03-01","paid","1.005"\n'  # 5 too many decimals
        "A1,C2,2024-03-02,paid,1\n"  # 6 duplicate key
        '"A5","C1","2024-03-03","paid",""\n'  # 7 empty total
        "\n"  # 8 blank: skipped
        'A6,C2,2024-03-01,shipped,"1\n'  # 9-10: a quoted value spanning two lines
        '0"\n'
        "A7,C2,2024-03-01\n"  # 11 too few fields
        "A8,C2,2024-03-01,shipped,3.00\n",  # 12 ok
        encoding="utf-8",
    )
    before = table_counts(engine)

    report = import_csv(engine, "orders", path, dry_run=True)

    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "customer_external_id 'C9' is not a known customer"),
        (
            4,
            "ordered_at: 'yesterday' is not an ISO 8601 date or time (e.g. 2024-05-31T14:30:00Z); "
            "status: 'lost' is not one of pending, paid, shipped, delivered, completed, "
            "cancelled, refunded; total: '-3' is negative",
        ),
        (5, "total: '1.005' has more than two decimal places"),
        (6, "duplicate order_number 'A1' (first on line 2)"),
        (7, "total: empty"),
        (9, "total: '1\\n0' is not a decimal amount (e.g. 1234.50)"),
        (11, "has 3 fields, the header has 5"),
    ]
    assert report.rows == 9 and report.bad_rows == 7
    assert not report.ok and not report.written
    assert table_counts(engine) == before


def test_a_clean_dry_run_says_what_it_would_do_and_writes_nothing(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = [ORDER_HEADER, ["A1", "C1", "2024-03-01", "completed", "10"]]
    path = write_csv(tmp_path / "o.csv", rows)
    before = table_counts(with_customers)

    report = import_csv(with_customers, "orders", path, dry_run=True)

    assert report.ok and not report.written
    assert (report.counts.inserted, report.counts.updated) == (1, 0)
    assert "would be inserted" in report.summary() and "nothing written" in report.summary()
    assert table_counts(with_customers) == before


def test_one_bad_row_in_a_real_load_writes_nothing_to_any_table(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = [ORDER_HEADER] + [
        [f"A{i}", "C1", "2024-03-01", "completed", "10.00"] for i in range(1, 200)
    ]
    rows.append(["A999", "C2", "2024-03-01", "completed", "-10.00"])
    path = write_csv(tmp_path / "o.csv", rows)
    before = table_counts(with_customers)

    report = import_csv(with_customers, "orders", path, create_missing_customers=True)

    assert [(p.line, p.reason) for p in report.problems] == [(201, "total: '-10.00' is negative")]
    assert not report.written and "nothing written" in report.summary()
    assert table_counts(with_customers) == before


def test_a_problem_in_the_header_is_reported_on_line_one_and_no_row_is_read(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "o.csv", [["order_number", "when", "status", "status"], ["1"] * 4])

    report = import_csv(engine, "orders", path, mapping={"price": "total", "when": "date"})

    reasons = [p.reason for p in report.problems]
    assert {p.line for p in report.problems} == {1}
    assert "--map price=total: the file has no column 'price'" in reasons
    assert any(r.startswith("--map when=date: 'date' is not a column of orders") for r in reasons)
    assert "column 'status' appears more than once" in reasons
    assert "the required column 'customer_external_id' is missing" in reasons
    assert report.rows == 0
    assert table_counts(engine)["orders"] == 0


def test_map_reads_source_columns_as_the_target_columns(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = [
        ["Order No", "Client", "Date", "State", "Amount", "Notes"],
        ["A1", "C1", "2024-03-01T12:00:00Z", "Completed", "99.90", "ignored"],
    ]
    path = write_csv(tmp_path / "export.csv", rows)
    mapping = {
        "order no": "order_number",
        "client": "customer_external_id",
        "date": "ordered_at",
        "state": "status",
        "amount": "total",
    }

    report = import_csv(with_customers, "orders", path, mapping=mapping)

    assert report.written and report.counts.inserted == 1
    assert report.ignored_columns == ("Notes",)
    with with_customers.connect() as conn:
        order = conn.execute(select(Order.order_number, Order.total_cents, Order.status)).one()
    assert tuple(order) == ("A1", 9990, "completed")


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_reason(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("external_id,name\nC1,Zoë\nC2,Bob\nC3,Zoë\n".encode("latin-1"))

    report = import_csv(engine, "customers", path)

    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "not UTF-8 text; save the file as CSV UTF-8 and try again"),
        (4, "not UTF-8 text; save the file as CSV UTF-8 and try again"),
    ]
    assert table_counts(engine)["customers"] == 0


def test_a_byte_order_mark_before_the_header_is_ignored(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffexternal_id,name\r\nC1,Zoë\r\n".encode())

    report = import_csv(engine, "customers", path)

    assert report.written and report.counts.inserted == 1


def test_an_unknown_kind_or_a_missing_file_raises_a_clear_error(
    engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="unknown kind 'invoices'"):
        import_csv(engine, "invoices", tmp_path / "x.csv")
    with pytest.raises(ValidationError, match="cannot read"):
        import_csv(engine, "orders", tmp_path / "missing.csv")


def test_order_lines_must_refer_to_orders_that_exist(engine: Engine, tmp_path: Path) -> None:
    rows = [
        ["order_number", "line", "product_name", "quantity", "unit_price"],
        ["NOPE", "1", "Widget", "1", "5.00"],
        ["NOPE", "0", "Widget", "1", "5.00"],
    ]
    report = import_csv(engine, "order-items", write_csv(tmp_path / "i.csv", rows))

    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "order_number 'NOPE' is not a known order"),
        (3, "line: '0' is not between 1 and 2147483647"),
    ]


def test_empty_optional_cells_mean_no_value_or_the_documented_default(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        ["external_id", "name", "email", "phone", "status", "registered_at"],
        ["C1", "Ada", "", "", "", "2024-01-01"],
        ["C2", "Bob", "", "", "", ""],
    ]
    report = import_csv(engine, "customers", write_csv(tmp_path / "c.csv", rows))

    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "registered_at: empty (fill it, or leave the column out)")
    ]
    rows.pop()
    assert import_csv(engine, "customers", write_csv(tmp_path / "c.csv", rows)).written
    with engine.connect() as conn:
        stored = conn.execute(select(Customer.email, Customer.phone, Customer.status)).one()
    assert tuple(stored) == (None, None, "active")
