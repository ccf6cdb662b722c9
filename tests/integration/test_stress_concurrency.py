"""Concurrent writers on PostgreSQL lose nothing: notes, tags and loyalty points, all at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from c360 import actions, notes, tags
from c360.db import session_factory, transaction
from c360.models import (
    ActivityLog,
    CustomerNote,
    CustomerTag,
    LoyaltyAccount,
    LoyaltyTransaction,
    StaffRole,
)
from c360.permissions import Actor
from tests import factories

pytestmark = pytest.mark.postgres

WRITERS = 16
ROUNDS = 5


def _together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job on its own thread, released at the same moment; re-raise any error."""
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> Any:
        start.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result() for f in [pool.submit(run, job) for job in jobs]]


def _setup(engine: Engine) -> tuple[list[Actor], int]:
    with transaction(engine) as s:
        staff = [
            factories.actor_of(factories.staff(s, StaffRole.ACCOUNT_MANAGER)) for _ in range(4)
        ]
        customer = factories.customer(s, name="Busy Customer")
        s.add(
            LoyaltyAccount(
                customer_id=customer.id,
                points_balance=1000,
                lifetime_points=1000,
                referral_code="BUSY1",
            )
        )
        return staff, customer.id


def _count(engine: Engine, model: type, **where: object) -> int:
    with session_factory(engine)() as s:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return s.scalar(query)


def test_concurrent_notes_tags_and_points_on_one_customer_lose_nothing(pg_engine: Engine) -> None:
    staff, customer_id = _setup(pg_engine)
    admin = Actor(id=staff[0].id, name="x", email="x@example.com", role=StaffRole.ADMIN)
    tag_ids = [tags.create_tag(admin, pg_engine, f"tag-{n}").id for n in range(WRITERS)]

    def writer(n: int) -> Callable[[], int]:
        actor = staff[n % len(staff)]

        def job() -> int:
            for r in range(ROUNDS):
                notes.add_note(actor, pg_engine, customer_id, f"note {n}-{r}")
                actions.adjust_points(actor, pg_engine, customer_id, 7 if r % 2 else -3, "stress")
            tags.assign_tag(actor, pg_engine, customer_id, tag_ids[n])
            return n

        return job

    assert sorted(_together([writer(n) for n in range(WRITERS)])) == list(range(WRITERS))

    expected_points = 1000 + WRITERS * sum(7 if r % 2 else -3 for r in range(ROUNDS))
    with session_factory(pg_engine)() as s:
        assert s.scalar(select(LoyaltyAccount.points_balance)) == expected_points
    assert _count(pg_engine, CustomerNote, customer_id=customer_id) == WRITERS * ROUNDS
    assert _count(pg_engine, LoyaltyTransaction, customer_id=customer_id) == WRITERS * ROUNDS
    assert _count(pg_engine, CustomerTag, customer_id=customer_id) == WRITERS
    assert _count(pg_engine, ActivityLog, action="note.added") == WRITERS * ROUNDS
    assert _count(pg_engine, ActivityLog, action="points.adjusted") == WRITERS * ROUNDS
    assert _count(pg_engine, ActivityLog, action="tag.assigned") == WRITERS


def test_the_same_tag_assigned_by_many_at_once_is_stored_once(pg_engine: Engine) -> None:
    staff, customer_id = _setup(pg_engine)
    admin = Actor(id=staff[0].id, name="x", email="x@example.com", role=StaffRole.ADMIN)
    tag_id = tags.create_tag(admin, pg_engine, "contested").id
    added = _together(
        [lambda a=a: tags.assign_tag(a, pg_engine, customer_id, tag_id) for a in staff * 4]
    )
    assert added.count(True) == 1
    assert _count(pg_engine, CustomerTag, customer_id=customer_id, tag_id=tag_id) == 1
    assert _count(pg_engine, ActivityLog, action="tag.assigned") == 1
