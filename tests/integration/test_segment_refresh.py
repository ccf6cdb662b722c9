"""Automatic segments: built-ins created by default, refresh idempotent and set-based."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select

from c360.db import session_factory
from c360.models import CustomerSegment, Segment, utcnow
from c360.segments.builtin import BUILTIN_SEGMENTS
from c360.segments.refresh import refresh_all_segments, refresh_segments
from c360.stats import refresh_customer_stats
from tests import factories
from tests.segment_world import build_world, load_facts, reference_members


def _assignments(engine: Engine) -> set[tuple[int, int, object]]:
    with session_factory(engine)() as s:
        rows = s.execute(
            select(
                CustomerSegment.customer_id, CustomerSegment.segment_id, CustomerSegment.assigned_at
            )
        )
        return {tuple(r) for r in rows}


def test_refreshing_twice_gives_the_same_assignments_with_the_same_dates(engine: Engine) -> None:
    build_world(engine, customers=60, seed=5)
    first = refresh_all_segments(engine)
    after_first = _assignments(engine)
    second = refresh_all_segments(engine, as_of=utcnow() + timedelta(seconds=1))
    assert first.added > 0
    assert (second.added, second.removed) == (0, 0)
    assert _assignments(engine) == after_first


def test_built_in_rfm_segments_are_created_once(engine: Engine) -> None:
    first = refresh_all_segments(engine)
    second = refresh_all_segments(engine)
    assert set(first.builtins_created) == {b.name for b in BUILTIN_SEGMENTS}
    assert second.builtins_created == ()
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Segment)) == len(BUILTIN_SEGMENTS)
        assert all(s.scalars(select(Segment.is_builtin)))


def test_every_buyer_lands_in_exactly_one_rfm_segment_as_the_reference_says(engine: Engine) -> None:
    build_world(engine, customers=80, seed=9)
    as_of = utcnow()
    refresh_all_segments(engine, as_of=as_of)
    facts = load_facts(engine)
    with session_factory(engine)() as s:
        segments = {seg.name: seg for seg in s.scalars(select(Segment).where(Segment.is_builtin))}
        membership: dict[int, list[str]] = {}
        for name, seg in segments.items():
            members = set(
                s.scalars(
                    select(CustomerSegment.customer_id).where(CustomerSegment.segment_id == seg.id)
                )
            )
            assert members == reference_members(facts, seg.criteria, as_of), name
            for customer_id in members:
                membership.setdefault(customer_id, []).append(name)
    buyers = {f.id for f in facts.values() if f.completed_count > 0}
    assert set(membership) == buyers
    assert all(len(names) == 1 for names in membership.values())


def test_only_changed_members_move_and_the_rest_keep_their_assigned_date(engine: Engine) -> None:
    now = utcnow()
    with session_factory(engine)() as s:
        steady = factories.customer(s, name="Steady")
        mover = factories.customer(s, name="Mover")
        for c in (steady, mover):
            factories.order(s, c, created_at=now - timedelta(days=10))
        refresh_customer_stats(s)
        s.commit()
    refresh_all_segments(engine, as_of=now)
    with session_factory(engine)() as s:
        new_customers = s.scalar(select(Segment).where(Segment.name == "New customers"))
        before = dict(
            s.execute(
                select(CustomerSegment.customer_id, CustomerSegment.assigned_at).where(
                    CustomerSegment.segment_id == new_customers.id
                )
            ).all()
        )
        factories.order(s, mover, created_at=now - timedelta(days=5))
        refresh_customer_stats(s, [mover.id])
        s.commit()
    later = now + timedelta(hours=2)
    with session_factory(engine)() as s:
        report = refresh_segments(s, as_of=later)
        s.commit()
        names = {
            name
            for (name,) in s.execute(
                select(Segment.name)
                .join(CustomerSegment, CustomerSegment.segment_id == Segment.id)
                .where(CustomerSegment.customer_id == mover.id)
            )
        }
        kept = s.scalar(
            select(CustomerSegment.assigned_at).where(
                CustomerSegment.customer_id == steady.id,
                CustomerSegment.segment_id == new_customers.id,
            )
        )
    assert set(before) == {steady.id, mover.id}
    assert names == {"Potential loyalists"}
    assert kept == before[steady.id]
    assert (report.added, report.removed) == (1, 1)


def test_manual_segments_are_left_alone_by_refresh(engine: Engine) -> None:
    with session_factory(engine)() as s:
        customer = factories.customer(s)
        manual = Segment(name="Hand picked", criteria={}, is_automatic=False)
        s.add(manual)
        s.flush()
        s.add(CustomerSegment(customer_id=customer.id, segment_id=manual.id))
        s.commit()
    refresh_all_segments(engine)
    assert (customer.id, manual.id) in {(c, seg) for c, seg, _ in _assignments(engine)}


def test_every_rescore_refreshes_the_automatic_segments_through_the_post_score_hook(
    engine: Engine,
) -> None:
    from c360.scoring import job
    from c360.segments.refresh import refresh_segments_after_scoring

    with session_factory(engine)() as s:
        buyer = factories.customer(s)
        factories.order(s, buyer, created_at=utcnow() - timedelta(days=3))
        refresh_customer_stats(s)
        s.commit()
    assert refresh_segments_after_scoring in job.POST_SCORE_HOOKS
    job.run_post_score_hooks(engine, None)  # type: ignore[arg-type]
    with session_factory(engine)() as s:
        names = s.scalars(
            select(Segment.name)
            .join(CustomerSegment, CustomerSegment.segment_id == Segment.id)
            .where(CustomerSegment.customer_id == buyer.id)
        ).all()
    assert names == ["New customers"]
