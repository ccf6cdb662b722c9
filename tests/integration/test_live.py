"""The live-update change marker: it moves on every write an open profile shows, and only then."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, update

from c360 import actions, notes, tags
from c360.db import session_factory
from c360.live import change_marker
from c360.models import Customer, LoyaltyAccount, Order, OrderStatus, StaffRole, utcnow
from tests import factories


@pytest.fixture
def two_customers(engine: Engine) -> tuple[int, int]:
    with session_factory(engine)() as s:
        first, second = factories.customer(s, name="Live One"), factories.customer(s, name="Two")
        for customer in (first, second):
            factories.order(s, customer)
            s.add(
                LoyaltyAccount(
                    customer_id=customer.id,
                    points_balance=100,
                    lifetime_points=100,
                    referral_code=f"L{customer.id}",
                )
            )
        s.commit()
        return first.id, second.id


def _insert_order(engine: Engine, cid: int) -> None:
    # As another process would: a plain insert, no audit row.
    with session_factory(engine)() as s:
        factories.order(s, s.get(Customer, cid))
        s.commit()


def _change_order_status(engine: Engine, cid: int) -> None:
    with session_factory(engine)() as s:
        s.execute(
            update(Order)
            .where(Order.customer_id == cid)
            .values(status=OrderStatus.REFUNDED, updated_at=utcnow())
        )
        s.commit()


def test_the_marker_is_stable_while_nothing_changes(engine, two_customers):
    cid, _ = two_customers
    assert change_marker(engine, cid) == change_marker(engine, cid)


def test_another_customers_changes_do_not_move_the_marker(engine, actors, two_customers):
    cid, other = two_customers
    before = change_marker(engine, cid)
    _insert_order(engine, other)
    actions.adjust_points(actors[StaffRole.ACCOUNT_MANAGER], engine, other, 5, "Other")
    assert change_marker(engine, cid) == before


WRITES: dict[str, Callable] = {
    "order inserted by another process": lambda e, a, c: _insert_order(e, c),
    "order status changed": lambda e, a, c: _change_order_status(e, c),
    "points adjusted": lambda e, a, c: actions.adjust_points(a, e, c, 10, "Live test"),
    "ticket opened": lambda e, a, c: actions.create_ticket(a, e, c, "Live ticket"),
    "note added": lambda e, a, c: notes.add_note(a, e, c, "Live note"),
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_every_kind_of_write_moves_the_marker(engine, actors, two_customers, write):
    cid, _ = two_customers
    before = change_marker(engine, cid)
    WRITES[write](engine, actors[StaffRole.ACCOUNT_MANAGER], cid)
    assert change_marker(engine, cid) != before


def test_editing_and_deleting_notes_and_untagging_move_the_marker(engine, actors, two_customers):
    cid, _ = two_customers
    am = actors[StaffRole.ACCOUNT_MANAGER]
    note = notes.add_note(am, engine, cid, "First")
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, "Live")
    tags.assign_tag(am, engine, cid, tag.id)
    steps = [
        lambda: notes.edit_note(am, engine, note.id, "Second"),
        lambda: notes.delete_note(am, engine, note.id),
        lambda: tags.remove_tag(am, engine, cid, tag.id),
    ]
    for step in steps:
        before = change_marker(engine, cid)
        step()
        assert change_marker(engine, cid) != before
