"""Every kind of write and export leaves one audit row: who, what, when, before and after.

``WRITES`` makes one real call of each registered write/export service function; a check
makes sure a newly registered write function cannot escape this list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from c360 import actions, notes, portfolio, staff, tags
from c360.db import session_factory, transaction
from c360.export.csv import export_csv
from c360.export.pdf import export_pdf
from c360.ingest import import_as
from c360.models import ActivityLog, StaffRole, utcnow
from c360.permissions import SERVICE_FUNCTIONS, Actor
from c360.scoring.weights import set_health_weights
from c360.segments import service as segments
from tests import factories
from tests.integration.test_permissions_matrix import import_every_module

import_every_module()

# Registered functions that only read: they write no audit row.
READS = {
    "c360.staff.list_staff",
    "c360.audit_query.audit_log",
    "c360.audit_query.audit_actions",
    "c360.audit_query.audit_actors",
    "c360.search.search_customers",
    "c360.notes.list_notes",
    "c360.actions.preview_email",
    "c360.compare.compare_customers",
    "c360.portfolio.portfolio_overview",
}


@dataclass
class World:
    """What the writes need: a database, an admin, and one of each thing they act on."""

    engine: Engine
    admin: Actor
    customer_id: int
    tag_id: int
    segment_id: int
    note_id: int
    staff_id: int
    tmp: Path

    def tx(self, body: Callable[[Any], Any]) -> Any:
        """Run ``body(session)`` in one committed transaction."""
        with transaction(self.engine) as session:
            return body(session)


def _csv(w: World) -> Path:
    path = w.tmp / "customers.csv"
    path.write_text("external_id,name\nX1,Imported Person\n", encoding="utf-8")
    return path


# name -> (one real call, the action it must record, which of before/after the row carries)
WRITES: dict[str, tuple[Callable[[World], Any], str, set[str]]] = {
    "c360.staff.create_staff": (
        lambda w: w.tx(
            lambda s: staff.create_staff(
                w.admin,
                s,
                email="x@example.com",
                name="X",
                role=StaffRole.ANALYST,
                password="long-enough-pw",
            )
        ),
        "staff.created",
        {"after"},
    ),
    "c360.staff.set_staff_active": (
        lambda w: w.tx(lambda s: staff.set_staff_active(w.admin, s, w.staff_id, False)),
        "staff.disabled",
        {"before", "after"},
    ),
    "c360.staff.change_role": (
        lambda w: w.tx(lambda s: staff.change_role(w.admin, s, w.staff_id, StaffRole.MANAGER)),
        "staff.role_changed",
        {"before", "after"},
    ),
    "c360.staff.reset_password": (
        lambda w: w.tx(lambda s: staff.reset_password(w.admin, s, w.staff_id, "another-long-pw")),
        "staff.password_reset",
        {"before", "after"},
    ),
    "c360.notes.add_note": (
        lambda w: notes.add_note(w.admin, w.engine, w.customer_id, "Called about the refund"),
        "note.added",
        {"after"},
    ),
    "c360.notes.edit_note": (
        lambda w: notes.edit_note(w.admin, w.engine, w.note_id, "Edited text"),
        "note.edited",
        {"before", "after"},
    ),
    "c360.notes.delete_note": (
        lambda w: notes.delete_note(w.admin, w.engine, w.note_id),
        "note.deleted",
        {"before"},
    ),
    "c360.tags.create_tag": (
        lambda w: tags.create_tag(w.admin, w.engine, "brand-new"),
        "tag.created",
        {"after"},
    ),
    "c360.tags.update_tag": (
        lambda w: tags.update_tag(w.admin, w.engine, w.tag_id, description="changed"),
        "tag.updated",
        {"before", "after"},
    ),
    "c360.tags.delete_tag": (
        lambda w: tags.delete_tag(w.admin, w.engine, w.tag_id),
        "tag.deleted",
        {"before"},
    ),
    "c360.tags.assign_tag": (
        lambda w: tags.assign_tag(w.admin, w.engine, w.customer_id, w.tag_id),
        "tag.assigned",
        {"after"},
    ),
    "c360.tags.remove_tag": (
        lambda w: (
            tags.assign_tag(w.admin, w.engine, w.customer_id, w.tag_id),
            tags.remove_tag(w.admin, w.engine, w.customer_id, w.tag_id),
        ),
        "tag.removed",
        {"before"},
    ),
    "c360.actions.send_email": (
        lambda w: actions.send_email(w.admin, w.engine, w.customer_id, "Hi", "Body", smtp_url=None),
        "email.queued",
        {"after"},
    ),
    "c360.actions.create_ticket": (
        lambda w: actions.create_ticket(w.admin, w.engine, w.customer_id, "Broken zip"),
        "ticket.created",
        {"after"},
    ),
    "c360.actions.adjust_points": (
        lambda w: actions.adjust_points(w.admin, w.engine, w.customer_id, 50, "goodwill"),
        "points.adjusted",
        {"before", "after"},
    ),
    "c360.portfolio.recalculate_portfolio": (
        lambda w: w.tx(lambda s: portfolio.recalculate_portfolio(w.admin, s)),
        "portfolio.recalculated",
        {"after"},
    ),
    "c360.segments.service.create_segment": (
        lambda w: w.tx(
            lambda s: segments.create_segment(
                w.admin, s, name="Manual list", criteria=None, is_automatic=False
            )
        ),
        "segment.create",
        {"after"},
    ),
    "c360.segments.service.update_segment": (
        lambda w: w.tx(
            lambda s: segments.update_segment(w.admin, s, w.segment_id, description="changed")
        ),
        "segment.update",
        {"before", "after"},
    ),
    "c360.segments.service.delete_segment": (
        lambda w: w.tx(lambda s: segments.delete_segment(w.admin, s, w.segment_id)),
        "segment.delete",
        {"before"},
    ),
    "c360.segments.service.add_customer_to_segment": (
        lambda w: w.tx(
            lambda s: segments.add_customer_to_segment(w.admin, s, w.customer_id, w.segment_id)
        ),
        "segment.add_customer",
        {"after"},
    ),
    "c360.segments.service.remove_customer_from_segment": (
        lambda w: (
            w.tx(
                lambda s: segments.add_customer_to_segment(w.admin, s, w.customer_id, w.segment_id)
            ),
            w.tx(
                lambda s: segments.remove_customer_from_segment(
                    w.admin, s, w.customer_id, w.segment_id
                )
            ),
        ),
        "segment.remove_customer",
        {"before"},
    ),
    "c360.scoring.weights.set_health_weights": (
        lambda w: w.tx(
            lambda s: set_health_weights(
                w.admin, s, {"purchase": 1, "engagement": 1, "support": 1, "recency": 1}
            )
        ),
        "scoring.weights_changed",
        {"before", "after"},
    ),
    "c360.export.csv.export_csv": (
        lambda w: export_csv(w.admin, w.engine, w.customer_id),
        "customer.exported",
        {"after"},
    ),
    "c360.export.pdf.export_pdf": (
        lambda w: export_pdf(w.admin, w.engine, w.customer_id, charts=False),
        "customer.exported",
        {"after"},
    ),
    "c360.ingest.service.import_as": (
        lambda w: import_as(w.admin, w.engine, "customers", _csv(w)),
        "import",
        {"after"},
    ),
}


def test_every_registered_write_function_is_covered_here() -> None:
    writes = set(SERVICE_FUNCTIONS) - READS
    assert sorted(writes - set(WRITES)) == []


@pytest.fixture
def world(engine: Engine, actors: dict[StaffRole, Actor], tmp_path: Path) -> World:
    """A customer with a tag, a manual segment and a note, and one more staff member."""
    from c360.models import CustomerNote, LoyaltyAccount, Segment, Tag

    admin = actors[StaffRole.ADMIN]
    with transaction(engine) as s:
        customer = factories.customer(s, name="Audited Customer")
        factories.order(s, customer)
        s.add(
            LoyaltyAccount(
                customer_id=customer.id,
                points_balance=100,
                lifetime_points=100,
                referral_code="AUD1",
            )
        )
        tag = Tag(name="watch", color="#ff0000", description="")
        segment = Segment(name="Hand picked", description="", criteria={}, is_automatic=False)
        note = CustomerNote(customer_id=customer.id, author_id=admin.id, content="first")
        s.add_all([tag, segment, note])
        s.flush()
        other = factories.staff(s, StaffRole.ANALYST)
        return World(engine, admin, customer.id, tag.id, segment.id, note.id, other.id, tmp_path)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_each_write_records_who_what_when_and_its_before_or_after(name: str, world: World) -> None:
    assert name in SERVICE_FUNCTIONS, f"{name} is no longer a registered service function"
    call, action, carries = WRITES[name]
    with session_factory(world.engine)() as s:
        last_id = s.scalar(select(ActivityLog.id).order_by(ActivityLog.id.desc()).limit(1)) or 0
    started = utcnow() - timedelta(seconds=1)
    call(world)
    with session_factory(world.engine)() as s:
        rows = list(
            s.scalars(
                select(ActivityLog).where(ActivityLog.id > last_id, ActivityLog.action == action)
            )
        )
    assert rows, f"{name} wrote no {action!r} audit row"
    row = rows[-1]
    assert row.actor_id == world.admin.id
    assert started <= row.occurred_at <= utcnow() + timedelta(seconds=1)
    assert row.summary
    for part in carries:
        assert getattr(row, part) not in (None, {}, []), f"{name}: audit row lacks {part}"
