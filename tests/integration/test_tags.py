"""Tags: the catalogue, assignment at most once per customer (even concurrently), audit rows."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select

from c360 import tags
from c360.db import session_factory
from c360.errors import Conflict, NotFound, PermissionDenied, ValidationError
from c360.models import ActivityLog, CustomerTag, StaffRole, Tag
from tests import factories


@pytest.fixture
def customer_id(engine: Engine) -> int:
    with session_factory(engine)() as s:
        cid = factories.customer(s, name="Tina Tagged").id
        s.commit()
        return cid


def _count(engine: Engine, model: type, **filters: object) -> int:
    with session_factory(engine)() as s:
        query = select(func.count()).select_from(model)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return int(s.scalar(query) or 0)


def test_a_manager_creates_a_tag_with_name_colour_and_description(engine, actors):
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, " VIP ", "#FF0000", "Top spenders")
    assert (tag.name, tag.color, tag.description) == ("VIP", "#ff0000", "Top spenders")
    assert _count(engine, ActivityLog, action="tag.created") == 1


def test_a_new_tag_is_listed_at_once_for_the_search_filter(engine, actors):
    tags.create_tag(actors[StaffRole.MANAGER], engine, "Wholesale", "blue")
    with session_factory(engine)() as s:
        assert [t.name for t in tags.list_tags(s)] == ["Wholesale"]


def test_an_account_manager_cannot_change_the_catalogue(engine, actors):
    with pytest.raises(PermissionDenied):
        tags.create_tag(actors[StaffRole.ACCOUNT_MANAGER], engine, "VIP")
    assert _count(engine, Tag) == 0


@pytest.mark.parametrize(
    ("name", "color"),
    [("", "#ffffff"), ("a" * 61, "#ffffff"), ("[x](y)", "#ffffff"), ("ok", "red!")],
)
def test_bad_tag_input_is_refused_and_nothing_is_written(engine, actors, name, color):
    with pytest.raises(ValidationError):
        tags.create_tag(actors[StaffRole.MANAGER], engine, name, color)
    assert _count(engine, Tag) == 0 and _count(engine, ActivityLog) == 0


def test_a_duplicate_tag_name_in_any_case_is_a_conflict(engine, actors):
    tags.create_tag(actors[StaffRole.MANAGER], engine, "VIP")
    with pytest.raises(Conflict, match="already exists"):
        tags.create_tag(actors[StaffRole.MANAGER], engine, "vip")
    assert _count(engine, Tag) == 1


def test_renaming_a_tag_keeps_its_assignments_and_is_audited(engine, actors, customer_id):
    manager = actors[StaffRole.MANAGER]
    tag = tags.create_tag(manager, engine, "Wholesale")
    tags.assign_tag(manager, engine, customer_id, tag.id)
    renamed = tags.update_tag(manager, engine, tag.id, name="B2B", color="green")
    assert renamed.name == "B2B" and renamed.color == tags.PALETTE["green"]
    with session_factory(engine)() as s:
        assert [t.name for t in tags.customer_tags(s, customer_id)] == ["B2B"]
        row = s.scalars(select(ActivityLog).where(ActivityLog.action == "tag.updated")).one()
    assert row.before["name"] == "Wholesale" and row.after["name"] == "B2B"


def test_renaming_onto_an_existing_name_is_a_conflict(engine, actors):
    manager = actors[StaffRole.MANAGER]
    tags.create_tag(manager, engine, "VIP")
    other = tags.create_tag(manager, engine, "Wholesale")
    with pytest.raises(Conflict):
        tags.update_tag(manager, engine, other.id, name="VIP")


def test_deleting_a_tag_removes_it_from_customers(engine, actors, customer_id):
    manager = actors[StaffRole.MANAGER]
    tag = tags.create_tag(manager, engine, "Temporary")
    tags.assign_tag(manager, engine, customer_id, tag.id)
    assert tags.delete_tag(manager, engine, tag.id) == 1
    assert _count(engine, Tag) == 0 and _count(engine, CustomerTag) == 0
    with session_factory(engine)() as s:
        row = s.scalars(select(ActivityLog).where(ActivityLog.action == "tag.deleted")).one()
    assert row.before["assigned_to"] == 1


def test_assigning_and_removing_a_tag_is_recorded_with_who_and_when(engine, actors, customer_id):
    am = actors[StaffRole.ACCOUNT_MANAGER]
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, "VIP", "violet")
    assert tags.assign_tag(am, engine, customer_id, tag.id) is True
    with session_factory(engine)() as s:
        (shown,) = tags.customer_tags(s, customer_id)
    assert shown.name == "VIP" and shown.assigned_by == am.name and shown.assigned_at
    assert tags.remove_tag(am, engine, customer_id, tag.id) is True
    assert _count(engine, CustomerTag) == 0
    assert _count(engine, ActivityLog, action="tag.assigned", customer_id=customer_id) == 1
    assert _count(engine, ActivityLog, action="tag.removed", customer_id=customer_id) == 1


def test_assigning_a_tag_twice_leaves_one_row_and_one_audit_row(engine, actors, customer_id):
    am = actors[StaffRole.ACCOUNT_MANAGER]
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, "VIP")
    assert tags.assign_tag(am, engine, customer_id, tag.id) is True
    assert tags.assign_tag(am, engine, customer_id, tag.id) is False
    assert _count(engine, CustomerTag) == 1
    assert _count(engine, ActivityLog, action="tag.assigned") == 1


def test_two_sessions_assigning_the_same_tag_at_once_leave_one_row(engine, actors, customer_id):
    am = actors[StaffRole.ACCOUNT_MANAGER]
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, "VIP")
    start = threading.Barrier(8)
    results: list[object] = []

    def click() -> None:
        start.wait()
        try:
            results.append(tags.assign_tag(am, engine, customer_id, tag.id))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            results.append(exc)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(repr, results)) == sorted(["True"] + ["False"] * 7)
    assert _count(engine, CustomerTag) == 1


def test_assigning_a_missing_tag_or_to_a_missing_customer_is_refused(engine, actors, customer_id):
    am = actors[StaffRole.ACCOUNT_MANAGER]
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, "VIP")
    with pytest.raises(NotFound):
        tags.assign_tag(am, engine, customer_id, tag.id + 100)
    with pytest.raises(NotFound):
        tags.assign_tag(am, engine, 999_999, tag.id)
    assert _count(engine, CustomerTag) == 0


def test_an_analyst_cannot_tag_a_customer(engine, actors, customer_id):
    tag = tags.create_tag(actors[StaffRole.MANAGER], engine, "VIP")
    with pytest.raises(PermissionDenied):
        tags.assign_tag(actors[StaffRole.ANALYST], engine, customer_id, tag.id)


def test_every_stored_colour_maps_to_a_chip_colour():
    assert tags.palette_name("#ff0000") == "red"
    assert tags.palette_name("#3b82f6") == "blue"
    assert tags.palette_name("not a colour") == "gray"
