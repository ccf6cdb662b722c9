"""What every export shares: the result type, the stamp, the full order history, the audit row."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from c360 import audit
from c360.db import transaction
from c360.permissions import Actor
from c360.profile.orders import load_orders_page
from c360.views import OrderSummary

Progress = Callable[[float, str], None]
ORDER_BATCH = 500


@dataclass(frozen=True)
class ExportFile:
    """A finished export, ready for a download button."""

    filename: str
    mime: str
    content: bytes
    exported_at: datetime
    exported_by: str


def stamp(actor: Actor, at: datetime) -> str:
    """``Exported 2026-05-01 14:03 UTC by Ann Lee (ann@example.com)``."""
    return f"Exported {at:%Y-%m-%d %H:%M:%S} UTC by {actor.name} ({actor.email})"


def file_stem(name: str, customer_id: int, at: datetime) -> str:
    """A safe file name stem: ``customer-42-ada-lovelace-20260501-1403``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "customer"
    return f"customer-{customer_id}-{slug}-{at:%Y%m%d-%H%M%S}"


def all_orders(session: Session, customer_id: int) -> Iterator[OrderSummary]:
    """Every order of the customer, newest first, read a keyset page at a time."""
    cursor: str | None = None
    while True:
        page = load_orders_page(session, customer_id, limit=ORDER_BATCH, cursor=cursor)
        yield from page.orders
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def record_export(
    engine: Engine, actor: Actor, customer_id: int, kind: str, at: datetime, details: dict
) -> None:
    """The one audit row of an export."""
    with transaction(engine) as session:
        audit.record(
            session,
            actor,
            "customer.exported",
            entity_type="customer",
            entity_id=customer_id,
            customer_id=customer_id,
            summary=f"Exported the {kind.upper()} report",
            after={"format": kind, "exported_at": at.isoformat(), **details},
        )


def no_progress(_fraction: float, _message: str) -> None:
    """The default progress callback: ignore."""
