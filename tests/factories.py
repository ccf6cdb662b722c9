"""Small builders of rows for tests; each returns the flushed ORM object."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from c360 import models as m
from c360.models import utcnow
from c360.permissions import Actor
from c360.text import normalise_email, phone_digits, search_key

_seq = itertools.count(1)


def staff(session: Session, role: m.StaffRole, email: str | None = None) -> m.StaffUser:
    """A staff user of ``role``."""
    n = next(_seq)
    user = m.StaffUser(
        email=email or f"{role.value}{n}@example.com", name=f"{role.value.title()} {n}", role=role
    )
    session.add(user)
    session.flush()
    return user


def actor_of(user: m.StaffUser) -> Actor:
    """The Actor for a stored staff user."""
    return Actor(id=user.id, name=user.name, email=user.email, role=user.role)


def customer(session: Session, name: str | None = None, **fields: object) -> m.Customer:
    """A customer; name, e-mail and phone are normalised as the app does."""
    n = next(_seq)
    name = name or f"Customer {n}"
    email = normalise_email(str(fields.pop("email", f"customer{n}@example.com")))
    phone = fields.pop("phone", None)
    row = m.Customer(
        name=name,
        search_name=search_key(name),
        email=email,
        phone=phone,
        phone_digits=phone_digits(phone),  # type: ignore[arg-type]
        registered_at=fields.pop("registered_at", utcnow() - timedelta(days=400)),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def order(
    session: Session,
    customer: m.Customer,
    total_cents: int = 5000,
    status: m.OrderStatus = m.OrderStatus.COMPLETED,
    created_at: datetime | None = None,
    items: int = 1,
) -> m.Order:
    """An order of ``items`` equal lines adding up to ``total_cents``."""
    n = next(_seq)
    row = m.Order(
        order_number=f"T-{n:08d}",
        customer_id=customer.id,
        status=status,
        subtotal_cents=total_cents,
        total_cents=total_cents,
        created_at=created_at or utcnow(),
    )
    session.add(row)
    session.flush()
    for line in range(1, items + 1):
        share = total_cents // items + (total_cents % items if line == items else 0)
        session.add(
            m.OrderItem(
                order_id=row.id,
                customer_id=customer.id,
                line_no=line,
                product_name=f"Product {line}",
                quantity=1,
                unit_price_cents=share,
                total_cents=share,
            )
        )
    session.flush()
    return row
