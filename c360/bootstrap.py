"""First start of the app: migrate the database and, when it is empty, load demo data."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, func, select

from c360 import migrate
from c360.config import DEFAULT_SQLITE_PATH
from c360.db import get_engine
from c360.demo import load_demo_data
from c360.errors import Conflict
from c360.models import Customer
from c360.scoring.job import score_everyone

# Small enough that a first start on SQLite takes a few seconds, big enough to look real.
DEFAULT_DEMO_CUSTOMERS = 2_000
DEMO_MODES = ("auto", "on", "off")


def demo_mode() -> str:
    """C360_DEMO: ``auto`` (demo data into the embedded SQLite file only), ``on`` or ``off``."""
    mode = os.environ.get("C360_DEMO", "auto").strip().lower() or "auto"
    return mode if mode in DEMO_MODES else "auto"


def demo_size() -> int:
    """C360_DEMO_CUSTOMERS: how many demo customers a first start loads (default 2,000)."""
    value = os.environ.get("C360_DEMO_CUSTOMERS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_DEMO_CUSTOMERS


def is_embedded_default(engine: Engine) -> bool:
    """True when ``engine`` is the embedded SQLite file used when nothing is configured."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return False
    return Path(engine.url.database).resolve() == DEFAULT_SQLITE_PATH.resolve()


def ensure_database(
    engine: Engine | None = None,
    *,
    mode: str | None = None,
    demo_customers: int | None = None,
) -> str | None:
    """Migrate ``engine`` to the newest schema; load demo data into an empty one when allowed.

    Returns a sentence for the user when demo data was loaded, otherwise None.
    """
    engine = engine or get_engine()
    migrate.upgrade(engine)
    mode = mode or demo_mode()
    if mode == "off" or (mode == "auto" and not is_embedded_default(engine)):
        return None
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(select(Customer.id).limit(1).subquery())):
            return None
    try:
        summary = load_demo_data(engine, demo_customers or demo_size())
    except Conflict:
        return None  # another process filled it first
    # Scored at once: health, churn, predictions, segments and the portfolio are the point.
    score_everyone(engine, summary.today)
    return (
        f"Loaded demo data: {summary.customers:,} customers with their orders, tickets and "
        "campaigns, scored and segmented. Demo staff sign in with password 'demo'."
    )
