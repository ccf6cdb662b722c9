"""The database the bench runs on: build (or reuse) the demo data, and draw seeded inputs."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text

from c360 import migrate
from c360.db import is_postgres
from c360.models import Customer, Order, StaffRole, StaffUser
from c360.permissions import Actor

DEMO_ADMIN_EMAIL = "admin@example.com"


def count_customers(engine: Engine) -> int:
    """How many customers the database holds (0 for an empty or unmigrated one)."""
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Customer)) or 0)


def ensure_demo_database(engine: Engine, customers: int, seed: int) -> tuple[int, bool]:
    """Migrate, then build demo data unless at least ``customers`` exist; (count, was built)."""
    migrate.upgrade(engine)
    existing = count_customers(engine)
    if existing >= customers:
        return existing, False
    if existing:
        raise_if_partial(existing, customers)
    build_demo(engine, customers, seed)
    return count_customers(engine), True


def raise_if_partial(existing: int, wanted: int) -> None:
    """A database with some, but too few, customers is not silently topped up with demo rows."""
    from c360.errors import ValidationError

    raise ValidationError(
        f"The database already holds {existing:,} customers, fewer than the {wanted:,} asked "
        "for. Point C360_DATABASE_URL at an empty database (or one with enough customers)."
    )


def build_demo(engine: Engine, customers: int, seed: int) -> None:
    """Fill the empty database with the demo generator (progress bar on stderr), then analyse it."""
    from c360.demo import load_demo_data

    print(f"building demo data: {customers:,} customers (seed {seed}) …", file=sys.stderr)
    summary = load_demo_data(engine, customers, seed=seed, progress=True)
    print(f"built {sum(summary.rows.values()):,} rows in {summary.seconds:.0f} s", file=sys.stderr)
    analyse(engine)


def analyse(engine: Engine) -> None:
    """Fresh planner statistics and visibility map after a bulk load (PostgreSQL only).

    Without them the planner guesses row counts of freshly loaded tables and index-only scans
    must visit the heap; every figure measured right after a load would be misleading.
    """
    if not is_postgres(engine):
        return
    print("VACUUM ANALYZE …", file=sys.stderr)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


@dataclass(frozen=True)
class Inputs:
    """Seeded, realistic inputs drawn from the data: ids, names, e-mails, order numbers."""

    customer_ids: tuple[int, ...]
    name_fragments: tuple[str, ...]
    emails: tuple[str, ...]
    order_numbers: tuple[str, ...]


def draw_inputs(engine: Engine, count: int, seed: int) -> Inputs:
    """``count`` random existing customers (with their name fragments and e-mails) and orders."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        low, high = conn.execute(select(func.min(Customer.id), func.max(Customer.id))).one()
        if low is None:
            raise ValueError("the database holds no customers")
        next_customer = (
            select(Customer.id, Customer.search_name, Customer.email).order_by(Customer.id).limit(1)
        )
        rows = []
        for _ in range(count):
            start = rng.randint(low, high)
            rows.append(conn.execute(next_customer.where(Customer.id >= start)).one())
        order_low, order_high = conn.execute(select(func.min(Order.id), func.max(Order.id))).one()
        order_numbers: list[str] = []
        if order_low is not None:
            next_order = select(Order.order_number).order_by(Order.id).limit(1)
            for _ in range(count):
                start = rng.randint(order_low, order_high)
                order_numbers.append(conn.scalar(next_order.where(Order.id >= start)))
    fragments = tuple(name_fragment(row.search_name, rng) for row in rows)
    emails = tuple(row.email for row in rows if row.email)
    return Inputs(
        customer_ids=tuple(row.id for row in rows),
        name_fragments=tuple(f for f in fragments if f),
        emails=emails,
        order_numbers=tuple(order_numbers),
    )


def name_fragment(name: str, rng: random.Random, length: int = 4) -> str:
    """A random ``length``-letter piece of one word of ``name`` (what a user types)."""
    words = [w for w in name.split() if len(w) >= 3]
    if not words:
        return name.strip()
    word = rng.choice(words)
    if len(word) <= length:
        return word
    start = rng.randint(0, len(word) - length)
    return word[start : start + length]


def bench_actor(engine: Engine) -> Actor:
    """The demo admin (or any stored admin) as the actor of every measured call."""
    with engine.connect() as conn:
        admins = select(StaffUser.id, StaffUser.name, StaffUser.email).where(
            StaffUser.role == StaffRole.ADMIN
        )
        row = conn.execute(admins.where(StaffUser.email == DEMO_ADMIN_EMAIL)).first()
        row = row or conn.execute(admins.order_by(StaffUser.id).limit(1)).first()
    if row is None:
        return Actor(id=0, name="Benchmark", email="bench@example.com", role=StaffRole.ADMIN)
    return Actor(id=row.id, name=row.name, email=row.email, role=StaffRole.ADMIN)
