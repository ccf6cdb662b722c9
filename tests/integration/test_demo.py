"""The demo generator: deterministic, fills every table, and its data hang together."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from c360 import migrate
from c360.cli import main
from c360.db import make_engine, normalise_url, session_factory
from c360.demo import DEMO_SETTING, JOB_TABLES, content_digest, load_demo_data
from c360.errors import Conflict, ValidationError
from c360.models import (
    REVENUE_STATUSES,
    AppSetting,
    Base,
    Customer,
    CustomerStats,
    HealthScore,
    LoyaltyAccount,
    LoyaltyTransaction,
    Order,
    OrderItem,
    StaffRole,
    StaffUser,
    Tag,
)
from c360.passwords import verify_password
from c360.text import search_key

TODAY = date(2026, 11, 2)
ANCHOR = datetime(2026, 11, 2)
CUSTOMERS = 200
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database of its own holding one demo load (shared by the read-only tests here)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        admin = None
    else:
        server = make_url(normalise_url(os.environ["C360_TEST_DATABASE_URL"]))
        name = f"c360_test_demo_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(server.set(database=name).render_as_string(hide_password=False))
    migrate.upgrade(engine)
    load_demo_data(engine, CUSTOMERS, seed=11, today=TODAY)
    yield engine
    engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{engine.url.database}" WITH (FORCE)'))
        admin.dispose()


def _scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_the_same_seed_and_day_give_an_identical_database_and_another_seed_does_not(
    engine: Engine,
) -> None:
    load_demo_data(engine, 60, seed=5, today=TODAY)
    first = content_digest(engine)
    load_demo_data(engine, 60, seed=5, today=TODAY, reset=True)
    assert content_digest(engine) == first
    load_demo_data(engine, 60, seed=6, today=TODAY, reset=True)
    assert content_digest(engine) != first


def test_every_table_is_filled_except_those_only_later_jobs_fill(demo: Engine) -> None:
    with demo.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in Base.metadata.sorted_tables
        }
    assert {name for name in JOB_TABLES if counts[name]} == set()
    # segments may hold built-in segments created by the segments code; the demo adds none.
    empty = {name for name, n in counts.items() if n == 0} - JOB_TABLES - {"segments"}
    assert empty == set()
    assert counts["customers"] == CUSTOMERS


def test_most_customers_have_data_in_every_profile_section(demo: Engine) -> None:
    sections = [
        "addresses", "orders", "payment_methods", "loyalty_transactions", "campaign_messages",
        "marketing_consents", "web_sessions", "category_views",
    ]  # fmt: skip
    for table in sections:
        share = _scalar(demo, f"SELECT COUNT(DISTINCT customer_id) FROM {table}") / CUSTOMERS
        assert share > 0.6, table
    with_tickets = _scalar(demo, "SELECT COUNT(DISTINCT customer_id) FROM support_tickets")
    assert with_tickets / CUSTOMERS > 0.2


def test_demo_staff_of_every_role_sign_in_with_the_demo_password(demo: Engine) -> None:
    with session_factory(demo)() as session:
        staff = {u.email: u for u in session.scalars(select(StaffUser))}
        managers_owning = session.scalars(
            select(Customer.account_manager_id).where(Customer.account_manager_id.is_not(None))
        ).all()
    expected = {
        "admin@example.com": StaffRole.ADMIN,
        "manager@example.com": StaffRole.MANAGER,
        "am@example.com": StaffRole.ACCOUNT_MANAGER,
        "analyst@example.com": StaffRole.ANALYST,
    }
    for email, role in expected.items():
        assert staff[email].role == role
        # One Argon2 hash of "demo" is shared by the demo accounts (hashing is slow on purpose).
        assert staff[email].password_hash == staff["admin@example.com"].password_hash
    assert verify_password(staff["admin@example.com"].password_hash, "demo")
    assert not verify_password(staff["admin@example.com"].password_hash, "Demo")
    owners = {u.id for u in staff.values() if u.role == StaffRole.ACCOUNT_MANAGER}
    assert len(owners) > 1
    assert set(managers_owning) <= owners
    assert staff["am@example.com"].id in set(managers_owning)


def test_customers_are_stored_with_normalised_search_fields(demo: Engine) -> None:
    with session_factory(demo)() as session:
        customers = session.scalars(select(Customer)).all()
    assert all(c.search_name == search_key(c.name) for c in customers)
    assert all(c.email == c.email.lower() for c in customers if c.email)
    assert all(
        c.phone_digits == "".join(ch for ch in c.phone if ch.isdigit())
        for c in customers
        if c.phone
    )
    assert any(c.name != c.search_name.title() and not c.name.isascii() for c in customers)
    assert len({c.external_id for c in customers}) == len(customers)
    first, last = min(c.registered_at for c in customers), max(c.registered_at for c in customers)
    assert last < ANCHOR and (last - first).days > 2 * 365


def test_order_items_number_their_lines_from_one_and_add_up_to_the_subtotal(demo: Engine) -> None:
    with session_factory(demo)() as session:
        per_order = session.execute(
            select(
                OrderItem.order_id,
                func.sum(OrderItem.total_cents),
                func.min(OrderItem.line_no),
                func.max(OrderItem.line_no),
                func.count(),
                func.sum(OrderItem.quantity * OrderItem.unit_price_cents - OrderItem.total_cents),
            ).group_by(OrderItem.order_id)
        ).all()
        orders = {o.id: o for o in session.scalars(select(Order))}
        wrong_customer = session.scalar(
            select(func.count())
            .select_from(OrderItem)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.customer_id != OrderItem.customer_id)
        )
    assert len(per_order) == len(orders)
    for order_id, total, first, last, lines, line_error in per_order:
        order = orders[order_id]
        assert total == order.subtotal_cents
        assert (first, last) == (1, lines)
        assert line_error == 0
        assert order.total_cents == (
            order.subtotal_cents - order.discount_cents + order.shipping_cents + order.tax_cents
        )
        assert order.created_at < ANCHOR
    assert wrong_customer == 0


def test_loyalty_balances_equal_the_ledger_and_never_go_negative(demo: Engine) -> None:
    with session_factory(demo)() as session:
        ledger = dict(
            session.execute(
                select(
                    LoyaltyTransaction.customer_id, func.sum(LoyaltyTransaction.points)
                ).group_by(LoyaltyTransaction.customer_id)
            ).all()
        )
        accounts = session.scalars(select(LoyaltyAccount)).all()
        lowest_running = session.scalar(
            text(
                "SELECT MIN(running) FROM (SELECT SUM(points) OVER (PARTITION BY customer_id "
                "ORDER BY created_at, id) AS running FROM loyalty_transactions) AS r"
            )
        )
        kinds = set(session.scalars(select(LoyaltyTransaction.kind).distinct()))
    assert len(accounts) == CUSTOMERS
    for account in accounts:
        assert account.points_balance == ledger.get(account.customer_id, 0)
        assert account.points_balance >= 0
    assert lowest_running >= 0
    assert {k.value for k in kinds} == {"earned", "redeemed", "expired", "adjusted"}


def test_lifetime_value_rollup_equals_the_sum_of_delivered_and_completed_orders(
    demo: Engine,
) -> None:
    with session_factory(demo)() as session:
        kept = dict(
            session.execute(
                select(Order.customer_id, func.sum(Order.total_cents))
                .where(Order.status.in_(REVENUE_STATUSES))
                .group_by(Order.customer_id)
            ).all()
        )
        stats = session.scalars(select(CustomerStats)).all()
        buyers = session.scalar(select(func.count(func.distinct(Order.customer_id))))
    assert len(stats) == buyers
    for row in stats:
        assert row.lifetime_value_cents == kept.get(row.customer_id, 0)


def test_loyalty_tier_follows_spend(demo: Engine) -> None:
    rows = _connect_all(
        demo,
        "SELECT l.tier, AVG(COALESCE(s.lifetime_value_cents, 0)) FROM loyalty_accounts l "
        "LEFT JOIN customer_stats s ON s.customer_id = l.customer_id GROUP BY l.tier",
    )
    mean_spend = {tier: float(value) for tier, value in rows}
    ordered = [t for t in ("BRONZE", "SILVER", "GOLD", "PLATINUM") if t in mean_spend]
    assert len(ordered) >= 3
    assert [mean_spend[t] for t in ordered] == sorted(mean_spend[t] for t in ordered)


def _connect_all(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_lapsed_customers_open_fewer_emails_than_active_ones(demo: Engine) -> None:
    recent, lapsed = ANCHOR - timedelta(days=90), ANCHOR - timedelta(days=365)
    since = ANCHOR - timedelta(days=180)

    def open_rate(condition: str) -> float:
        sql = (
            "SELECT AVG(CASE WHEN m.opened_at IS NULL THEN 0.0 ELSE 1.0 END) "
            "FROM campaign_messages m JOIN customer_stats s ON s.customer_id = m.customer_id "
            f"WHERE m.channel = 'email' AND m.sent_at >= :since AND {condition}"
        )
        with demo.connect() as conn:
            return float(
                conn.execute(
                    text(sql), {"since": since, "recent": recent, "lapsed": lapsed}
                ).scalar()
            )

    active = open_rate("s.last_order_at >= :recent")
    gone = open_rate("s.last_order_at < :lapsed")
    assert gone < active * 0.7


def test_orders_peak_in_november_and_december(demo: Engine) -> None:
    with session_factory(demo)() as session:
        months = [t.month for t in session.scalars(select(Order.created_at)) if t.year < 2026]
    holidays = sum(1 for m in months if m in (11, 12))
    autumn = sum(1 for m in months if m in (9, 10))
    assert holidays > 1.2 * autumn


def test_demo_data_is_marked_in_the_app_settings(demo: Engine) -> None:
    with session_factory(demo)() as session:
        setting = session.get(AppSetting, DEMO_SETTING)
    assert setting is not None
    assert setting.value["enabled"] is True
    assert setting.value["customers"] == CUSTOMERS
    assert setting.value["seed"] == 11


def test_a_database_with_customers_is_refused_and_left_unchanged(engine: Engine) -> None:
    load_demo_data(engine, 20, seed=1, today=TODAY)
    before = content_digest(engine)
    with pytest.raises(Conflict, match="--reset"):
        load_demo_data(engine, 20, seed=2, today=TODAY)
    assert content_digest(engine) == before


def test_rows_inserted_after_the_load_get_fresh_ids(engine: Engine) -> None:
    load_demo_data(engine, 20, seed=1, today=TODAY)
    with session_factory(engine)() as session:
        highest = session.scalar(select(func.max(Order.id)))
        customer = Customer(name="After Load", search_name="after load", registered_at=ANCHOR)
        session.add(customer)
        session.flush()
        order = Order(
            order_number="AFTER-1", customer_id=customer.id, status="completed", total_cents=100
        )
        session.add(order)
        session.commit()
        assert order.id > highest
        assert customer.id > 20


def _empty_database_for_the_command(path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated, empty SQLite file that ``python -m c360`` commands will use."""
    url = f"sqlite:///{path}"
    migrate.upgrade(make_engine(url))
    monkeypatch.setenv("C360_DATABASE_URL", url)
    return url


def _rows(url: str, model: type) -> int:
    with make_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar()


def test_the_command_loads_then_refuses_a_second_load_into_the_same_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _empty_database_for_the_command(tmp_path / "cli.sqlite3", monkeypatch)
    assert main(["demo", "--customers", "25", "--seed", "3", "--today", "2026-11-02"]) == 0
    out = capsys.readouterr().out
    assert "loaded 25 demo customers" in out
    assert "scored 25 customers as of 2026-11-02" in out
    assert main(["demo", "--customers", "25"]) == 1
    assert "already has 25 customers" in capsys.readouterr().err
    assert _rows(url, Customer) == _rows(url, HealthScore) == 25


def test_the_command_leaves_the_customers_unscored_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _empty_database_for_the_command(tmp_path / "unscored.sqlite3", monkeypatch)
    assert main(["demo", "--customers", "10", "--no-score"]) == 0
    assert "not scored (--no-score)" in capsys.readouterr().out
    assert _rows(url, Customer) == 10
    assert _rows(url, HealthScore) == 0


def test_the_command_rejects_a_malformed_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--customers", "5", "--today", "02/11/2026"])
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_buying_rhythms_differ_between_customers(demo: Engine) -> None:
    with session_factory(demo)() as session:
        stats = session.scalars(select(CustomerStats)).all()
    buyers = len(stats)
    one_time = sum(1 for s in stats if s.order_count == 1)
    frequent = sum(1 for s in stats if s.order_count >= 5)
    active = sum(1 for s in stats if s.last_order_at >= ANCHOR - timedelta(days=90))
    lapsed = sum(1 for s in stats if s.last_order_at < ANCHOR - timedelta(days=365))
    for group in (one_time, frequent, active, lapsed):
        assert group >= 0.05 * buyers
    assert buyers < CUSTOMERS  # some registered customers never bought


def test_statuses_cover_every_stage_and_each_customer_has_one_default_address(
    demo: Engine,
) -> None:
    def distinct(sql: str) -> set[str]:
        return {row[0] for row in _connect_all(demo, sql)}

    assert {"delivered", "completed", "cancelled", "refunded"} <= distinct(
        "SELECT DISTINCT status FROM orders"
    )
    assert distinct("SELECT DISTINCT status FROM payment_transactions") == {
        "success",
        "failed",
        "refunded",
    }
    assert distinct("SELECT DISTINCT status FROM support_tickets") == {
        "open",
        "in_progress",
        "resolved",
        "closed",
    }
    assert distinct("SELECT DISTINCT device FROM web_sessions") == {"mobile", "desktop", "tablet"}
    defaults = _connect_all(
        demo,
        "SELECT c.id, COUNT(a.id) FROM customers c LEFT JOIN addresses a "
        "ON a.customer_id = c.id AND a.is_default GROUP BY c.id",
    )
    assert {count for _, count in defaults} == {1}


def test_a_database_with_its_own_tags_is_refused_with_a_clear_message(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.add(Tag(name="VIP"))
        session.commit()
    with pytest.raises(Conflict, match="already has 1 tags"):
        load_demo_data(engine, 20, seed=1, today=TODAY)
    assert _scalar(engine, "SELECT COUNT(*) FROM customers") == 0


def test_a_busy_shop_has_several_times_the_orders_of_a_typical_one_from_the_same_customers(
    engine: Engine, tmp_path: Path
) -> None:
    typical = make_engine(f"sqlite:///{tmp_path / 'typical.sqlite3'}")
    migrate.upgrade(typical)
    load_demo_data(typical, 300, seed=5, today=TODAY)
    load_demo_data(engine, 300, seed=5, today=TODAY, shop="busy")
    per_customer = {
        name: _scalar(e, "SELECT count(*) FROM orders") / 300
        for name, e in (("typical", typical), ("busy", engine))
    }
    assert 2.0 <= per_customer["typical"] <= 3.5
    assert 8.0 <= per_customer["busy"] <= 12.0
    with session_factory(engine)() as session:
        assert session.get(AppSetting, DEMO_SETTING).value["shop"] == "busy"
    assert _scalar(engine, "SELECT count(*) FROM customers") == 300


def test_an_unknown_shop_is_refused_before_anything_is_written(engine: Engine) -> None:
    with pytest.raises(ValidationError, match="--shop must be one of busy, typical"):
        load_demo_data(engine, 20, seed=1, today=TODAY, shop="huge")
    assert _scalar(engine, "SELECT count(*) FROM customers") == 0
