"""Segment services: permission checks, validation, audit entries and manual membership."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from c360.db import session_factory, transaction
from c360.errors import Conflict, NotFound, PermissionDenied, ValidationError
from c360.models import ActivityLog, CustomerSegment, Segment, StaffRole
from c360.permissions import Actor
from c360.segments import service
from c360.segments.refresh import refresh_all_segments
from c360.stats import refresh_customer_stats
from tests import factories

BIG_SPENDERS = {"and": [{"field": "lifetime_value", "op": "gte", "value": 100}]}


def _activity(engine: Engine, action: str) -> list[ActivityLog]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(ActivityLog).where(ActivityLog.action == action)))


def _buyers(engine: Engine) -> tuple[int, int]:
    with session_factory(engine)() as s:
        big = factories.customer(s, name="Big")
        small = factories.customer(s, name="Small")
        factories.order(s, big, total_cents=20000)
        factories.order(s, small, total_cents=500)
        refresh_customer_stats(s)
        s.commit()
        return big.id, small.id


def test_a_manager_creates_an_automatic_segment_with_members_and_an_audit_row(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    big, _small = _buyers(engine)
    with transaction(engine) as s:
        created = service.create_segment(
            actors[StaffRole.MANAGER], s, name="  Big   spenders ", criteria=BIG_SPENDERS
        )
    assert created.name == "Big spenders" and created.member_count == 1
    with session_factory(engine)() as s:
        assert s.scalars(select(CustomerSegment.customer_id)).all() == [big]
    (row,) = _activity(engine, "segment.create")
    assert row.actor_id == actors[StaffRole.MANAGER].id and row.after["criteria"] == BIG_SPENDERS


@pytest.mark.parametrize("role", [StaffRole.ANALYST, StaffRole.ACCOUNT_MANAGER])
def test_roles_without_the_permission_cannot_define_segments(
    engine: Engine, actors: dict[StaffRole, Actor], role: StaffRole
) -> None:
    with transaction(engine) as s, pytest.raises(PermissionDenied):
        service.create_segment(actors[role], s, name="Nope", criteria=BIG_SPENDERS)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Segment)) == 0


@pytest.mark.parametrize(
    ("name", "criteria", "automatic", "error"),
    [
        ("", BIG_SPENDERS, True, "needs a name"),
        ("x" * 81, BIG_SPENDERS, True, "at most 80"),
        ("Empty", {}, True, "at least one condition"),
        (
            "Raw SQL",
            {"and": [{"field": "1; DROP TABLE x", "op": "eq", "value": 1}]},
            True,
            "Unknown",
        ),
    ],
)
def test_bad_segment_input_is_refused_and_nothing_is_written(
    engine: Engine,
    actors: dict[StaffRole, Actor],
    name: str,
    criteria: dict,
    automatic: bool,
    error: str,
) -> None:
    with pytest.raises(ValidationError, match=error), transaction(engine) as s:
        service.create_segment(
            actors[StaffRole.MANAGER], s, name=name, criteria=criteria, is_automatic=automatic
        )
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Segment)) == 0
        assert s.scalar(select(func.count()).select_from(ActivityLog)) == 0


def test_a_duplicate_name_is_a_conflict_whatever_its_case(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    manager = actors[StaffRole.MANAGER]
    with transaction(engine) as s:
        service.create_segment(manager, s, name="VIP", criteria=None, is_automatic=False)
    with pytest.raises(Conflict, match="already exists"), transaction(engine) as s:
        service.create_segment(manager, s, name="vip", criteria=None, is_automatic=False)


def test_updating_criteria_recomputes_members_and_audits_before_and_after(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    big, small = _buyers(engine)
    manager = actors[StaffRole.MANAGER]
    with transaction(engine) as s:
        seg = service.create_segment(manager, s, name="Spenders", criteria=BIG_SPENDERS)
    lower = {"and": [{"field": "lifetime_value", "op": "gte", "value": 1}]}
    with transaction(engine) as s:
        updated = service.update_segment(manager, s, seg.id, criteria=lower, description="All")
    assert updated.member_count == 2 and updated.description == "All"
    (row,) = _activity(engine, "segment.update")
    assert row.before["criteria"] == BIG_SPENDERS and row.after["criteria"] == lower


def test_built_in_segments_cannot_be_deleted_or_renamed_but_custom_ones_can_be_deleted(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    manager = actors[StaffRole.MANAGER]
    refresh_all_segments(engine)
    with session_factory(engine)() as s:
        champions = s.scalar(select(Segment.id).where(Segment.name == "Champions"))
    with pytest.raises(ValidationError, match="built-in"), transaction(engine) as s:
        service.delete_segment(manager, s, champions)
    with pytest.raises(ValidationError, match="keep their name"), transaction(engine) as s:
        service.update_segment(manager, s, champions, name="Heroes")
    with transaction(engine) as s:
        custom = service.create_segment(manager, s, name="Temp", criteria=None, is_automatic=False)
    with transaction(engine) as s:
        service.delete_segment(manager, s, custom.id)
    with session_factory(engine)() as s:
        assert s.get(Segment, custom.id) is None
    assert len(_activity(engine, "segment.delete")) == 1


def test_manual_membership_is_added_and_removed_with_activity_on_the_customer(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    big, _small = _buyers(engine)
    with transaction(engine) as s:
        seg = service.create_segment(
            actors[StaffRole.MANAGER], s, name="Hand picked", criteria=None, is_automatic=False
        )
    am = actors[StaffRole.ACCOUNT_MANAGER]
    with transaction(engine) as s:
        service.add_customer_to_segment(am, s, big, seg.id)
    with session_factory(engine)() as s:
        (mine,) = service.customer_segments(s, big)
    assert mine.name == "Hand picked" and mine.assigned_at is not None and not mine.is_automatic
    with pytest.raises(Conflict, match="already in"), transaction(engine) as s:
        service.add_customer_to_segment(am, s, big, seg.id)
    with transaction(engine) as s:
        service.remove_customer_from_segment(am, s, big, seg.id)
    with pytest.raises(NotFound, match="is not in"), transaction(engine) as s:
        service.remove_customer_from_segment(am, s, big, seg.id)
    with session_factory(engine)() as s:
        assert service.customer_segments(s, big) == []
    added, removed = (
        _activity(engine, "segment.add_customer"),
        _activity(engine, "segment.remove_customer"),
    )
    assert [r.customer_id for r in added + removed] == [big, big]
    assert added[0].actor_id == am.id


def test_automatic_segments_refuse_hand_made_membership(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    big, small = _buyers(engine)
    with transaction(engine) as s:
        seg = service.create_segment(
            actors[StaffRole.MANAGER], s, name="Spenders", criteria=BIG_SPENDERS
        )
    with pytest.raises(ValidationError, match="automatic"), transaction(engine) as s:
        service.add_customer_to_segment(actors[StaffRole.ACCOUNT_MANAGER], s, small, seg.id)


def test_analysts_cannot_change_membership(engine: Engine, actors: dict[StaffRole, Actor]) -> None:
    big, _small = _buyers(engine)
    with transaction(engine) as s:
        seg = service.create_segment(
            actors[StaffRole.MANAGER], s, name="Hand picked", criteria=None, is_automatic=False
        )
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        service.add_customer_to_segment(actors[StaffRole.ANALYST], s, big, seg.id)


def test_list_segments_reports_member_counts_and_the_live_preview_counts_matches(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    _buyers(engine)
    refresh_all_segments(engine)
    with session_factory(engine)() as s:
        listed = service.list_segments(s)
        preview = service.count_matching(s, BIG_SPENDERS)
    assert listed[0].is_builtin
    assert {seg.name: seg.member_count for seg in listed}["New customers"] == 2
    assert preview == 1
