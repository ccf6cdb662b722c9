"""The merged customer timeline: kinds, date range, visibility, keyset pages, monthly counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from c360 import models as m
from c360.db import make_engine, session_factory
from c360.errors import ValidationError
from c360.models import StaffRole
from c360.permissions import Actor
from c360.timeline import KINDS, activity_by_month, timeline_page
from tests import factories
from tests.profile_seed import RichCustomer, rich_customer

NOW = datetime(2026, 6, 15, 12, 0, 0)


@pytest.fixture
def rich(engine: Engine, actors: dict[StaffRole, Actor]) -> RichCustomer:
    with session_factory(engine)() as s:
        author = s.get(m.StaffUser, actors[StaffRole.ACCOUNT_MANAGER].id)
        seeded = rich_customer(s, author, now=NOW)
        s.commit()
        return seeded


def _all_pages(engine, actor, customer_id, limit, **filters):
    pages, cursor = [], None
    while True:
        page = timeline_page(engine, actor, customer_id, cursor=cursor, limit=limit, **filters)
        pages.append(page.events)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_the_timeline_merges_every_kind_newest_first(engine, actors, rich):
    events = [
        e for p in _all_pages(engine, actors[StaffRole.ADMIN], rich.customer_id, 200) for e in p
    ]
    assert {e.kind for e in events} == set(KINDS)
    times = [e.occurred_at for e in events]
    assert times == sorted(times, reverse=True)
    # 8 orders, 3 tickets opened + 2 resolved, 4 ledger rows, 12 sent + 6 opened + 3 clicked,
    # 2 notes (an admin does not read the author's private one), 1 tag, 1 activity row.
    assert len(events) == 8 + 5 + 4 + 21 + 2 + 1 + 1
    assert len({e.key for e in events}) == len(events)


def test_filtering_by_kind_and_date_range_keeps_only_matching_events(engine, actors, rich):
    admin = actors[StaffRole.ADMIN]
    orders = timeline_page(engine, admin, rich.customer_id, kinds=["order"], limit=50).events
    assert len(orders) == 8 and {e.kind for e in orders} == {"order"}
    start, end = date(2026, 5, 1), date(2026, 5, 31)
    may = timeline_page(engine, admin, rich.customer_id, start=start, end=end, limit=200).events
    assert may and all(start <= e.occurred_at.date() <= end for e in may)
    both = timeline_page(engine, admin, rich.customer_id, kinds=["ticket", "note"], limit=50)
    assert {e.kind for e in both.events} == {"ticket", "note"}


def test_the_timeline_hides_notes_the_actor_may_not_read(engine, actors, rich):
    notes = timeline_page(engine, actors[StaffRole.ANALYST], rich.customer_id, kinds=["note"])
    assert [e.description for e in notes.events] == ["Note: Prefers e-mail."]


def test_bad_filters_and_cursors_are_refused_with_a_clear_message(engine, actors, rich):
    admin = actors[StaffRole.ADMIN]
    with pytest.raises(ValidationError, match="Unknown timeline type"):
        timeline_page(engine, admin, rich.customer_id, kinds=["orders; drop table"])
    with pytest.raises(ValidationError, match="start date is after"):
        timeline_page(engine, admin, rich.customer_id, start=date(2026, 2, 1), end=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="not valid"):
        timeline_page(engine, admin, rich.customer_id, cursor="garbage!")


def test_activity_by_month_counts_the_same_events_the_timeline_lists(engine, actors, rich):
    admin = actors[StaffRole.ADMIN]
    counts = activity_by_month(engine, admin, rich.customer_id)
    events = [e for p in _all_pages(engine, admin, rich.customer_id, 200) for e in p]
    assert sum(c.count for c in counts) == len(events)
    by_kind: dict[str, int] = {}
    for c in counts:
        by_kind[c.kind] = by_kind.get(c.kind, 0) + c.count
    assert by_kind["order"] == 8
    assert all(c.month.day == 1 for c in counts)
    only_orders = activity_by_month(engine, admin, rich.customer_id, kinds=["order"])
    assert {c.kind for c in only_orders} == {"order"}


# --- property: pages are strictly newest first, nothing repeated or missed -------------------


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path):
    import shutil

    path = tmp_path / "timeline.sqlite3"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


# Few distinct instants so that many events share a timestamp, across kinds.
instants = st.integers(min_value=0, max_value=6).map(lambda h: NOW - timedelta(hours=h))
event_sets = st.lists(
    st.tuples(
        st.sampled_from(["order", "ticket", "loyalty", "message", "note", "activity"]),
        instants,
        st.booleans(),
    ),
    max_size=40,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=event_sets, page_size=st.integers(min_value=1, max_value=9))
def test_timeline_pages_are_strictly_newest_first_with_no_event_repeated_or_missed(
    sqlite_engine, events, page_size
):
    with session_factory(sqlite_engine)() as s:
        staff = factories.staff(s, StaffRole.ADMIN)
        actor = factories.actor_of(staff)
        customer = factories.customer(s)
        campaign = m.Campaign(name=f"C{customer.id}", channel=m.Channel.EMAIL)
        s.add(campaign)
        s.flush()
        for kind, at, flag in events:
            if kind == "order":
                factories.order(s, customer, created_at=at)
            elif kind == "ticket":
                s.add(
                    m.SupportTicket(
                        customer_id=customer.id,
                        subject="s",
                        created_at=at,
                        resolved_at=at if flag else None,
                    )
                )
            elif kind == "loyalty":
                s.add(
                    m.LoyaltyTransaction(
                        customer_id=customer.id, kind=m.PointsKind.EARNED, points=5, created_at=at
                    )
                )
            elif kind == "message":
                s.add(
                    m.CampaignMessage(
                        campaign_id=campaign.id,
                        customer_id=customer.id,
                        channel=m.Channel.EMAIL,
                        sent_at=at,
                        opened_at=at if flag else None,
                        clicked_at=at,
                    )
                )
            elif kind == "note":
                s.add(
                    m.CustomerNote(
                        customer_id=customer.id, author_id=staff.id, content="n", created_at=at
                    )
                )
            else:
                s.add(
                    m.ActivityLog(
                        occurred_at=at,
                        customer_id=customer.id,
                        action="customer.updated",
                        entity_type="customer",
                        summary="changed",
                    )
                )
        s.commit()
        cid = customer.id
    everything = timeline_page(sqlite_engine, actor, cid, limit=200).events
    pages = _all_pages(sqlite_engine, actor, cid, page_size)
    paged = [e for p in pages for e in p]
    assert all(len(p) <= page_size for p in pages)
    assert [e.key for e in paged] == [e.key for e in everything]
    assert len({e.key for e in paged}) == len(paged)
    order_keys = [(e.occurred_at, e.details["event"], int(e.key.split(":")[1])) for e in paged]
    assert all(a > b for a, b in zip(order_keys, order_keys[1:], strict=False))
    expected = sum(
        1 + (k == "ticket" and f) + (k == "message") * (1 + f + 1) for k, _, f in events
    ) - sum(k == "message" for k, _, _ in events)
    assert len(paged) == expected
