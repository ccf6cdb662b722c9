"""Quick actions appear in the timeline once each; the timeline filters by staff and groups runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from c360 import actions, notes, tags, timeline
from c360.db import session_factory
from c360.models import LoyaltyAccount, StaffRole, utcnow
from c360.timeline import TimelineGroup, group_repeats
from c360.views import TimelineEvent
from tests import factories


@pytest.fixture
def customer_id(engine: Engine) -> int:
    with session_factory(engine)() as s:
        customer = factories.customer(s, name="Tim Line")
        factories.order(s, customer, created_at=utcnow() - timedelta(days=3))
        s.add(LoyaltyAccount(customer_id=customer.id, points_balance=50, referral_code="TL1"))
        s.commit()
        return customer.id


def _descriptions(engine: Engine, actor, customer_id: int, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    page = timeline.timeline_page(engine, actor, customer_id, limit=50, **filters)
    return [e.description for e in page.events]


def test_each_quick_action_appears_in_the_timeline_exactly_once(engine, actors, customer_id):
    am = actors[StaffRole.ACCOUNT_MANAGER]
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, "VIP")
    notes.add_note(am, engine, customer_id, "Called about the parcel")
    tags.assign_tag(am, engine, customer_id, tag.id)
    actions.create_ticket(am, engine, customer_id, "Parcel lost")
    actions.adjust_points(am, engine, customer_id, 25, "Sorry gift")
    actions.send_email(am, engine, customer_id, "Hello", "Body", smtp_url=None)
    shown = _descriptions(engine, am, customer_id)
    for expected in (
        "Note: Called about the parcel",
        "Tagged “VIP”",
        "Parcel lost",
        "+25 points adjusted: Sorry gift",
        "E-mail queued: Hello",
    ):
        assert sum(expected in text for text in shown) == 1, (expected, shown)


def test_the_staff_filter_keeps_only_that_persons_events(engine, actors, customer_id):
    am, manager = actors[StaffRole.ACCOUNT_MANAGER], actors[StaffRole.MANAGER]
    notes.add_note(am, engine, customer_id, "by the account manager")
    actions.adjust_points(manager, engine, customer_id, 10, "by the manager")
    only_manager = _descriptions(engine, manager, customer_id, staff_ids=[manager.id])
    assert only_manager == ["+10 points adjusted: by the manager"]
    only_am = _descriptions(engine, manager, customer_id, staff_ids=[am.id])
    assert only_am == ["Note: by the account manager"]
    # Without the filter the customer's own order is there too.
    assert any(text.startswith("Order ") for text in _descriptions(engine, am, customer_id))
    counts = timeline.activity_by_month(engine, manager, customer_id, staff_ids=[manager.id])
    assert [(c.kind, c.count) for c in counts] == [("loyalty", 1)]
    staff = timeline.timeline_staff(engine, am, customer_id)
    assert sorted(staff) == sorted([(am.id, am.name), (manager.id, manager.name)])


def _event(name: str, actor: str | None, minutes: int, kind: str = "marketing") -> TimelineEvent:
    return TimelineEvent(
        kind=kind,
        occurred_at=utcnow() - timedelta(minutes=minutes),
        description=f"{name} {minutes}",
        details={"event": name},
        actor=actor,
        key=f"{name}:{minutes}",
    )


def test_runs_of_three_or_more_like_events_are_grouped_and_others_left_alone():
    events = [
        _event("campaign_sent", None, 1),
        _event("campaign_sent", None, 2),
        _event("campaign_sent", None, 3),
        _event("campaign_opened", None, 4),
        _event("note", "Ann", 5, kind="note"),
        _event("note", "Ann", 6, kind="note"),
    ]
    grouped = group_repeats(events)
    assert isinstance(grouped[0], TimelineGroup) and grouped[0].count == 3
    assert grouped[0].first.description == "campaign_sent 1"
    assert [getattr(item, "description", None) for item in grouped[1:]] == [
        "campaign_opened 4",
        "note 5",
        "note 6",
    ]


def test_orders_are_never_folded_however_many_in_a_row():
    orders = [_event("order", None, minutes, kind="order") for minutes in range(5)]
    assert group_repeats(orders) == tuple(orders)
