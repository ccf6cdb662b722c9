"""The audit log page's query: filters by actor, action, customer and dates; paginated in SQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from c360 import audit
from c360.audit_query import AuditFilter, audit_actions, audit_actors, audit_log
from c360.db import transaction
from c360.errors import PermissionDenied, ValidationError
from c360.models import ActivityLog, StaffRole
from c360.permissions import Actor
from tests import factories

DAY = datetime(2026, 3, 10, 12, 0)


@pytest.fixture
def logged(engine: Engine, actors: dict[StaffRole, Actor]) -> dict[str, int]:
    """Eleven audit rows over three days, two actors, two customers, three actions."""
    am, manager = actors[StaffRole.ACCOUNT_MANAGER], actors[StaffRole.MANAGER]
    with transaction(engine) as s:
        ada = factories.customer(s, name="Ada Lovelace")
        bob = factories.customer(s, name="Bob Babbage")
        for i in range(8):
            row = audit.record(
                s,
                am,
                "note.added",
                entity_type="note",
                entity_id=i,
                summary=f"note {i}",
                customer_id=ada.id,
                after={"content": f"n{i}"},
            )
            row.occurred_at = DAY + timedelta(hours=i * 6)  # spread over two days
        row = audit.record(
            s,
            manager,
            "tag.assigned",
            entity_type="tag",
            summary="vip",
            customer_id=bob.id,
            before=None,
            after={"tag": "vip"},
        )
        row.occurred_at = DAY + timedelta(days=2)
        row = audit.record(
            s,
            manager,
            "customer.exported",
            entity_type="customer",
            summary="pdf",
            customer_id=bob.id,
        )
        row.occurred_at = DAY + timedelta(days=2, hours=1)
        row = audit.record(s, None, "scores.recalculated", entity_type="batch", summary="nightly")
        row.occurred_at = DAY - timedelta(days=1)
        return {"ada": ada.id, "bob": bob.id}


def _read(engine: Engine, actor: Actor, f: AuditFilter | None = None, **kw: int):
    with transaction(engine) as s:
        return audit_log(actor, s, f, **kw)


def test_managers_see_every_row_newest_first_with_names(
    engine: Engine, actors: dict[StaffRole, Actor], logged: dict[str, int]
) -> None:
    page = _read(engine, actors[StaffRole.MANAGER])
    assert page.total == 11
    times = [e.occurred_at for e in page.entries]
    assert times == sorted(times, reverse=True)
    assert page.entries[0].action == "customer.exported"
    assert page.entries[0].customer == "Bob Babbage"
    assert page.entries[0].actor == actors[StaffRole.MANAGER].email
    assert page.entries[-1].actor == "system"


def test_filters_by_actor_action_customer_and_inclusive_date_range(
    engine: Engine, actors: dict[StaffRole, Actor], logged: dict[str, int]
) -> None:
    manager = actors[StaffRole.MANAGER]
    am = actors[StaffRole.ACCOUNT_MANAGER]
    assert _read(engine, manager, AuditFilter(actor_id=am.id)).total == 8
    assert _read(engine, manager, AuditFilter(action="tag.assigned")).total == 1
    assert _read(engine, manager, AuditFilter(customer_id=logged["bob"])).total == 2
    first_day = _read(engine, manager, AuditFilter(since=DAY.date(), until=DAY.date()))
    assert first_day.total == 2  # 12:00 and 18:00 on the 10th
    assert {e.occurred_at.date() for e in first_day.entries} == {DAY.date()}
    combined = AuditFilter(actor_id=am.id, since=date(2026, 3, 11), customer_id=logged["ada"])
    assert _read(engine, manager, combined).total == 6


def test_pages_split_the_rows_without_overlap(
    engine: Engine, actors: dict[StaffRole, Actor], logged: dict[str, int]
) -> None:
    manager = actors[StaffRole.MANAGER]
    pages = [_read(engine, manager, page=n, page_size=4) for n in (1, 2, 3)]
    ids = [e.id for p in pages for e in p.entries]
    assert [len(p.entries) for p in pages] == [4, 4, 3]
    assert len(set(ids)) == 11
    assert pages[0].page_count == 3


def test_bad_paging_and_reversed_dates_are_refused_clearly(
    engine: Engine, actors: dict[StaffRole, Actor], logged: dict[str, int]
) -> None:
    manager = actors[StaffRole.MANAGER]
    with pytest.raises(ValidationError):
        _read(engine, manager, page=0)
    with pytest.raises(ValidationError):
        _read(engine, manager, page_size=10_000)
    with pytest.raises(ValidationError, match="after the end"):
        _read(engine, manager, AuditFilter(since=date(2026, 3, 12), until=date(2026, 3, 10)))


@pytest.mark.parametrize("role", [StaffRole.ANALYST, StaffRole.ACCOUNT_MANAGER])
def test_roles_below_manager_cannot_read_the_audit_log(
    engine: Engine, actors: dict[StaffRole, Actor], role: StaffRole
) -> None:
    with transaction(engine) as s:
        for read in (audit_actions, audit_actors):
            with pytest.raises(PermissionDenied):
                read(actors[role], s)
        with pytest.raises(PermissionDenied):
            audit_log(actors[role], s)


def test_filter_choices_list_every_action_and_staff_member(
    engine: Engine, actors: dict[StaffRole, Actor], logged: dict[str, int]
) -> None:
    with transaction(engine) as s:
        assert audit_actions(actors[StaffRole.ADMIN], s) == [
            "customer.exported",
            "note.added",
            "scores.recalculated",
            "tag.assigned",
        ]
        assert len(audit_actors(actors[StaffRole.ADMIN], s)) == len(StaffRole)


def test_audit_rows_keep_their_history_when_the_customer_is_deleted(
    engine: Engine, actors: dict[StaffRole, Actor], logged: dict[str, int]
) -> None:
    from c360.models import Customer

    with transaction(engine) as s:
        s.delete(s.get(Customer, logged["bob"]))
    with transaction(engine) as s:
        kept = s.query(ActivityLog).filter(ActivityLog.action == "tag.assigned").one()
        assert kept.customer_id is None
        assert kept.after == {"tag": "vip"}
