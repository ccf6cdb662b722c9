"""Quick actions: support tickets and loyalty points (a ledger entry, never negative, no loss)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select

from c360 import actions
from c360.db import session_factory
from c360.errors import NotFound, PermissionDenied, ValidationError
from c360.models import (
    ActivityLog,
    LoyaltyAccount,
    LoyaltyTransaction,
    PointsKind,
    StaffRole,
    SupportTicket,
    TicketPriority,
    TicketStatus,
)
from tests import factories


def _customer_with_points(engine: Engine, balance: int, lifetime: int | None = None) -> int:
    with session_factory(engine)() as s:
        customer = factories.customer(s, name="Paula Points")
        s.add(
            LoyaltyAccount(
                customer_id=customer.id,
                points_balance=balance,
                lifetime_points=balance if lifetime is None else lifetime,
                referral_code=f"REF{customer.id:06d}",
            )
        )
        s.commit()
        return customer.id


def _account(engine: Engine, customer_id: int) -> LoyaltyAccount:
    with session_factory(engine)() as s:
        return s.scalars(
            select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id)
        ).one()


def _count(engine: Engine, model: type, **filters: object) -> int:
    with session_factory(engine)() as s:
        query = select(func.count()).select_from(model)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return int(s.scalar(query) or 0)


# --- tickets --------------------------------------------------------------------------------


def test_creating_a_ticket_stores_it_open_with_its_author_and_an_audit_row(engine, actors):
    cid = _customer_with_points(engine, 0)
    am = actors[StaffRole.ACCOUNT_MANAGER]
    ticket = actions.create_ticket(am, engine, cid, "  Parcel  lost ", "Never arrived", "high")
    with session_factory(engine)() as s:
        row = s.get(SupportTicket, ticket.id)
        audit_row = s.scalars(
            select(ActivityLog).where(ActivityLog.action == "ticket.created")
        ).one()
    assert (row.subject, row.priority, row.status) == (
        "Parcel lost",
        TicketPriority.HIGH,
        TicketStatus.OPEN,
    )
    assert row.created_by_id == am.id and row.customer_id == cid
    assert audit_row.customer_id == cid and audit_row.after["subject"] == "Parcel lost"


@pytest.mark.parametrize(("subject", "priority"), [("", "low"), ("x" * 301, "low"), ("ok", "asap")])
def test_a_ticket_with_bad_input_is_refused_and_nothing_is_written(
    engine, actors, subject, priority
):
    cid = _customer_with_points(engine, 0)
    with pytest.raises(ValidationError):
        actions.create_ticket(actors[StaffRole.ACCOUNT_MANAGER], engine, cid, subject, "", priority)
    assert _count(engine, SupportTicket) == 0 and _count(engine, ActivityLog) == 0


def test_an_analyst_cannot_open_a_ticket(engine, actors):
    cid = _customer_with_points(engine, 0)
    with pytest.raises(PermissionDenied):
        actions.create_ticket(actors[StaffRole.ANALYST], engine, cid, "Hello")


# --- points ---------------------------------------------------------------------------------


def test_a_positive_adjustment_adds_a_ledger_entry_and_grows_lifetime_points(engine, actors):
    cid = _customer_with_points(engine, 100, lifetime=400)
    am = actors[StaffRole.ACCOUNT_MANAGER]
    result = actions.adjust_points(am, engine, cid, 250, "Goodwill for late parcel")
    assert (result.balance_before, result.balance_after) == (100, 350)
    account = _account(engine, cid)
    assert (account.points_balance, account.lifetime_points) == (350, 650)
    with session_factory(engine)() as s:
        entry = s.get(LoyaltyTransaction, result.transaction_id)
        audit_row = s.scalars(
            select(ActivityLog).where(ActivityLog.action == "points.adjusted")
        ).one()
    assert (entry.kind, entry.points, entry.reason, entry.staff_user_id) == (
        PointsKind.ADJUSTED,
        250,
        "Goodwill for late parcel",
        am.id,
    )
    assert audit_row.before == {"points_balance": 100}
    assert audit_row.after["points_balance"] == 350


def test_a_deduction_lowers_the_balance_but_not_lifetime_points(engine, actors):
    cid = _customer_with_points(engine, 300, lifetime=900)
    actions.adjust_points(actors[StaffRole.ACCOUNT_MANAGER], engine, cid, -300, "Fraud reversal")
    account = _account(engine, cid)
    assert (account.points_balance, account.lifetime_points) == (0, 900)


def test_an_overdraw_is_refused_with_a_message_and_writes_nothing(engine, actors):
    cid = _customer_with_points(engine, 100)
    with pytest.raises(ValidationError, match="balance is 100"):
        actions.adjust_points(actors[StaffRole.ACCOUNT_MANAGER], engine, cid, -101, "Too much")
    assert _account(engine, cid).points_balance == 100
    assert _count(engine, LoyaltyTransaction) == 0 and _count(engine, ActivityLog) == 0


@pytest.mark.parametrize(("points", "reason"), [(0, "why"), (10, ""), (10**7, "big"), (1.5, "x")])
def test_bad_adjustments_are_refused_and_write_nothing(engine, actors, points, reason):
    cid = _customer_with_points(engine, 100)
    with pytest.raises(ValidationError):
        actions.adjust_points(actors[StaffRole.ACCOUNT_MANAGER], engine, cid, points, reason)
    assert _count(engine, LoyaltyTransaction) == 0 and _account(engine, cid).points_balance == 100


def test_a_customer_without_a_loyalty_account_cannot_be_adjusted(engine, actors):
    with session_factory(engine)() as s:
        cid = factories.customer(s).id
        s.commit()
    with pytest.raises(ValidationError, match="no loyalty account"):
        actions.adjust_points(actors[StaffRole.ACCOUNT_MANAGER], engine, cid, 10, "Welcome")
    with pytest.raises(NotFound):
        actions.adjust_points(actors[StaffRole.ACCOUNT_MANAGER], engine, 999_999, 10, "Nobody")


def _adjust_concurrently(engine: Engine, actor, cid: int, amounts: list[int]) -> list[object]:  # type: ignore[no-untyped-def]
    start = threading.Barrier(len(amounts))
    outcomes: list[object] = []

    def run(amount: int) -> None:
        start.wait()
        try:
            outcomes.append(actions.adjust_points(actor, engine, cid, amount, f"Batch {amount}"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the caller
            outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in amounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_fifty_concurrent_adjustments_on_postgresql_lose_nothing(pg_engine, request):
    with session_factory(pg_engine)() as s:
        actor = factories.actor_of(factories.staff(s, StaffRole.ACCOUNT_MANAGER))
        s.commit()
    cid = _customer_with_points(pg_engine, 1000, lifetime=1000)
    amounts = [(i % 7 + 1) * (1 if i % 2 else -1) for i in range(50)]
    outcomes = _adjust_concurrently(pg_engine, actor, cid, amounts)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    account = _account(pg_engine, cid)
    assert account.points_balance == 1000 + sum(amounts)
    assert account.lifetime_points == 1000 + sum(a for a in amounts if a > 0)
    assert _count(pg_engine, LoyaltyTransaction, customer_id=cid) == 50
    assert _count(pg_engine, ActivityLog, action="points.adjusted") == 50


def test_concurrent_deductions_never_take_the_balance_below_zero(engine, actors):
    cid = _customer_with_points(engine, 100)
    outcomes = _adjust_concurrently(engine, actors[StaffRole.ACCOUNT_MANAGER], cid, [-30] * 10)
    applied = [o for o in outcomes if isinstance(o, actions.PointsAdjustment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(applied), len(refused)) == (3, 7)
    assert _account(engine, cid).points_balance == 10
    assert _count(engine, LoyaltyTransaction) == 3
