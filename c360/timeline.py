"""The customer timeline (R7): one newest-first stream over every kind of event, keyset-paged.

Each source (orders, tickets, ledger, campaign messages, notes, tags, activity log) is read
with its own index-backed ``WHERE customer_id = ? AND (time, stream, id) < cursor ORDER BY
time DESC LIMIT n + 1``; the pieces are merged and the first n kept. The cursor is the
(occurred_at, stream, id) of the last event shown, so a page never repeats or skips an event
however many rows share a timestamp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    and_,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from c360 import models as m
from c360.errors import ValidationError
from c360.money import money
from c360.notes import visible_to
from c360.permissions import Actor, Permission, require
from c360.profile.common import decode_cursor, encode_cursor, reading
from c360.views import ActivityCount, TimelineEvent, TimelinePage

TIMELINE_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200

# The kinds a user filters by, in display order, with their labels.
KINDS: dict[str, str] = {
    "order": "Orders",
    "ticket": "Support",
    "loyalty": "Loyalty",
    "marketing": "Marketing",
    "note": "Notes",
    "tag": "Tags",
    "account": "Account changes",
}
# Activity-log actions whose subject already has its own stream (shown once, not twice).
ACTIONS_SHOWN_ELSEWHERE = ("note.added", "tag.assigned", "points.adjusted", "ticket.created")
NOTE_PREVIEW_CHARS = 280


@dataclass(frozen=True)
class Stream:
    """One source of events: its query (with time and id columns) and how to describe a row."""

    name: str
    kind: str
    time_column: Callable[[], Any]
    id_column: Callable[[], Any]
    query: Callable[[Actor, int], Select]
    describe: Callable[[Any], tuple[str, dict[str, Any], str | None]]
    # The staff member behind a row, for the staff filter (B7); None: no staff actor.
    staff_column: Callable[[], Any] | None = None


def _status(value: Any) -> str:
    text = getattr(value, "value", value)
    return str(text).replace("_", " ")


def _order_query(_actor: Actor, customer_id: int) -> Select:
    o = m.Order
    return select(o.id, o.created_at, o.order_number, o.status, o.total_cents).where(
        o.customer_id == customer_id
    )


def _order_describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
    total = money(r.total_cents)
    return (
        f"Order {r.order_number} placed ({_status(r.status)}, ${total:,.2f})",
        {
            "order_id": r.id,
            "order_number": r.order_number,
            "status": _status(r.status),
            "total": str(total),
        },
        None,
    )


def _ticket_opened_query(_actor: Actor, customer_id: int) -> Select:
    t = m.SupportTicket
    return select(t.id, t.created_at, t.subject, t.status, t.priority).where(
        t.customer_id == customer_id
    )


def _ticket_opened_describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
    return (
        f"Ticket #{r.id} opened: {r.subject}",
        {"ticket_id": r.id, "status": _status(r.status), "priority": _status(r.priority)},
        None,
    )


def _ticket_resolved_query(_actor: Actor, customer_id: int) -> Select:
    t = m.SupportTicket
    return select(t.id, t.resolved_at, t.subject, t.status).where(
        t.customer_id == customer_id, t.resolved_at.is_not(None)
    )


def _ticket_resolved_describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
    return (
        f"Ticket #{r.id} resolved: {r.subject}",
        {"ticket_id": r.id, "status": _status(r.status)},
        None,
    )


def _loyalty_query(_actor: Actor, customer_id: int) -> Select:
    x = m.LoyaltyTransaction
    return (
        select(x.id, x.created_at, x.kind, x.points, x.reason, m.StaffUser.name.label("staff"))
        .outerjoin(m.StaffUser, m.StaffUser.id == x.staff_user_id)
        .where(x.customer_id == customer_id)
    )


def _loyalty_describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
    reason = f": {r.reason}" if r.reason else ""
    return (
        f"{r.points:+,} points {_status(r.kind)}{reason}",
        {"points": r.points, "kind": _status(r.kind)},
        r.staff,
    )


def _message_query(time_attr: str) -> Callable[[Actor, int], Select]:
    def query(_actor: Actor, customer_id: int) -> Select:
        msg = m.CampaignMessage
        moment = getattr(msg, time_attr)
        return (
            select(msg.id, moment, m.Campaign.name.label("campaign"), msg.channel)
            .join(m.Campaign, m.Campaign.id == msg.campaign_id)
            .where(msg.customer_id == customer_id, moment.is_not(None))
        )

    return query


def _message_describe(verb: str) -> Callable[[Any], tuple[str, dict[str, Any], str | None]]:
    def describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
        channel = _status(r.channel)
        return (
            f"{verb} {channel} campaign “{r.campaign}”",
            {"campaign": r.campaign, "channel": channel},
            None,
        )

    return describe


def _note_query(actor: Actor, customer_id: int) -> Select:
    n = m.CustomerNote
    return (
        select(n.id, n.created_at, n.content, n.visibility, m.StaffUser.name.label("author"))
        .outerjoin(m.StaffUser, m.StaffUser.id == n.author_id)
        .where(n.customer_id == customer_id, visible_to(actor))
    )


def _note_describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
    preview = (
        r.content if len(r.content) <= NOTE_PREVIEW_CHARS else r.content[:NOTE_PREVIEW_CHARS] + "…"
    )
    return (
        f"Note: {preview}",
        {"note_id": r.id, "visibility": _status(r.visibility)},
        r.author,
    )


def _tag_query(_actor: Actor, customer_id: int) -> Select:
    ct = m.CustomerTag
    return (
        select(ct.id, ct.assigned_at, m.Tag.name.label("tag"), m.StaffUser.name.label("staff"))
        .join(m.Tag, m.Tag.id == ct.tag_id)
        .outerjoin(m.StaffUser, m.StaffUser.id == ct.assigned_by_id)
        .where(ct.customer_id == customer_id)
    )


def _tag_describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
    return f"Tagged “{r.tag}”", {"tag": r.tag}, r.staff


def _activity_query(_actor: Actor, customer_id: int) -> Select:
    a = m.ActivityLog
    return (
        select(a.id, a.occurred_at, a.action, a.summary, m.StaffUser.name.label("staff"))
        .outerjoin(m.StaffUser, m.StaffUser.id == a.actor_id)
        .where(a.customer_id == customer_id, a.action.not_in(ACTIONS_SHOWN_ELSEWHERE))
    )


def _activity_describe(r: Any) -> tuple[str, dict[str, Any], str | None]:
    return r.summary, {"action": r.action}, r.staff


STREAMS: tuple[Stream, ...] = (
    Stream(
        "order",
        "order",
        lambda: m.Order.created_at,
        lambda: m.Order.id,
        _order_query,
        _order_describe,
    ),
    Stream(
        "ticket_opened",
        "ticket",
        lambda: m.SupportTicket.created_at,
        lambda: m.SupportTicket.id,
        _ticket_opened_query,
        _ticket_opened_describe,
        lambda: m.SupportTicket.created_by_id,
    ),
    Stream(
        "ticket_resolved",
        "ticket",
        lambda: m.SupportTicket.resolved_at,
        lambda: m.SupportTicket.id,
        _ticket_resolved_query,
        _ticket_resolved_describe,
    ),
    Stream(
        "loyalty",
        "loyalty",
        lambda: m.LoyaltyTransaction.created_at,
        lambda: m.LoyaltyTransaction.id,
        _loyalty_query,
        _loyalty_describe,
        lambda: m.LoyaltyTransaction.staff_user_id,
    ),
    Stream(
        "campaign_sent",
        "marketing",
        lambda: m.CampaignMessage.sent_at,
        lambda: m.CampaignMessage.id,
        _message_query("sent_at"),
        _message_describe("Sent"),
    ),
    Stream(
        "campaign_opened",
        "marketing",
        lambda: m.CampaignMessage.opened_at,
        lambda: m.CampaignMessage.id,
        _message_query("opened_at"),
        _message_describe("Opened"),
    ),
    Stream(
        "campaign_clicked",
        "marketing",
        lambda: m.CampaignMessage.clicked_at,
        lambda: m.CampaignMessage.id,
        _message_query("clicked_at"),
        _message_describe("Clicked"),
    ),
    Stream(
        "note",
        "note",
        lambda: m.CustomerNote.created_at,
        lambda: m.CustomerNote.id,
        _note_query,
        _note_describe,
        lambda: m.CustomerNote.author_id,
    ),
    Stream(
        "tag",
        "tag",
        lambda: m.CustomerTag.assigned_at,
        lambda: m.CustomerTag.id,
        _tag_query,
        _tag_describe,
        lambda: m.CustomerTag.assigned_by_id,
    ),
    Stream(
        "account",
        "account",
        lambda: m.ActivityLog.occurred_at,
        lambda: m.ActivityLog.id,
        _activity_query,
        _activity_describe,
        lambda: m.ActivityLog.actor_id,
    ),
)


def _chosen_streams(kinds: Iterable[str] | None) -> tuple[Stream, ...]:
    if kinds is None:
        return STREAMS
    wanted = set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValidationError(
            f"Unknown timeline type {sorted(unknown)[0]!r}; choose from {', '.join(KINDS)}."
        )
    return tuple(s for s in STREAMS if s.kind in wanted)


def _date_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    if start and end and start > end:
        raise ValidationError("The start date is after the end date.")
    low = datetime.combine(start, time.min) if start else None
    high = datetime.combine(end + timedelta(days=1), time.min) if end else None
    return low, high


def _before_cursor(stream: Stream, cursor: tuple[datetime, str, int]) -> ColumnElement[bool]:
    at, name, last_id = cursor
    moment, row_id = stream.time_column(), stream.id_column()
    # Order is (time DESC, stream name DESC, id DESC): compare this stream's name once, here.
    if stream.name < name:
        return moment <= at
    if stream.name > name:
        return moment < at
    return or_(moment < at, and_(moment == at, row_id < last_id))


def load_timeline_page(
    session: Session,
    actor: Actor,
    customer_id: int,
    *,
    kinds: Iterable[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    cursor: str | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
    staff_ids: Iterable[int] | None = None,
) -> TimelinePage:
    """One page of the merged timeline, newest first; one statement per chosen source.

    ``staff_ids`` keeps only events done by those staff members (B7); sources without a staff
    actor (orders, campaign messages, resolutions) are then left out.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError(f"A timeline page holds 1 to {MAX_PAGE_SIZE} events.")
    streams = _chosen_streams(kinds)
    staff = None if staff_ids is None else sorted(set(staff_ids))
    if staff is not None:
        streams = tuple(s for s in streams if s.staff_column is not None)
    low, high = _date_bounds(start, end)
    position = decode_cursor(cursor, (datetime, str, int)) if cursor else None
    fetched: list[tuple[datetime, str, int, Stream, Any]] = []
    for stream in streams:
        moment, row_id = stream.time_column(), stream.id_column()
        query = stream.query(actor, customer_id)
        if low is not None:
            query = query.where(moment >= low)
        if high is not None:
            query = query.where(moment < high)
        if position is not None:
            query = query.where(_before_cursor(stream, position))
        if staff is not None and stream.staff_column is not None:
            query = query.where(stream.staff_column().in_(staff))
        query = query.order_by(moment.desc(), row_id.desc()).limit(limit + 1)
        for row in session.execute(query).all():
            fetched.append((row[1], stream.name, row[0], stream, row))
    fetched.sort(key=lambda e: (e[0], e[1], e[2]), reverse=True)
    shown = fetched[:limit]
    events = []
    for at, name, row_id, stream, row in shown:
        description, details, who = stream.describe(row)
        events.append(
            TimelineEvent(
                kind=stream.kind,
                occurred_at=at,
                description=description,
                details={"event": name, **details},
                actor=who,
                key=f"{name}:{row_id}",
            )
        )
    next_cursor = None
    if len(fetched) > limit:
        at, name, row_id = shown[-1][:3]
        next_cursor = encode_cursor(at, name, row_id)
    return TimelinePage(events=tuple(events), next_cursor=next_cursor)


def timeline_page(
    engine_or_session: Engine | Session,
    actor: Actor,
    customer_id: int,
    *,
    kinds: Iterable[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    cursor: str | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
    staff_ids: Iterable[int] | None = None,
) -> TimelinePage:
    """A page of ``customer_id``'s timeline for ``actor`` (filters: kind, dates, staff)."""
    require(actor, Permission.VIEW_CUSTOMERS)
    with reading(engine_or_session) as session:
        return load_timeline_page(
            session,
            actor,
            customer_id,
            kinds=kinds,
            start=start,
            end=end,
            cursor=cursor,
            limit=limit,
            staff_ids=staff_ids,
        )


def activity_by_month(
    engine_or_session: Engine | Session,
    actor: Actor,
    customer_id: int,
    *,
    kinds: Iterable[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    staff_ids: Iterable[int] | None = None,
) -> tuple[ActivityCount, ...]:
    """Events per month and kind for the activity chart: one aggregate statement."""
    require(actor, Permission.VIEW_CUSTOMERS)
    streams = _chosen_streams(kinds)
    staff = None if staff_ids is None else sorted(set(staff_ids))
    if staff is not None:
        streams = tuple(s for s in streams if s.staff_column is not None)
    low, high = _date_bounds(start, end)
    if not streams:
        return ()
    parts = []
    for stream in streams:
        moment = stream.time_column()
        query = stream.query(actor, customer_id)
        if staff is not None and stream.staff_column is not None:
            query = query.where(stream.staff_column().in_(staff))
        base = query.subquery()
        when = base.c[moment.key]
        year = cast(extract("year", when), Integer)
        month = cast(extract("month", when), Integer)
        bounds = [
            when >= low if low is not None else true(),
            when < high if high is not None else true(),
        ]
        parts.append(
            select(
                literal(stream.kind).label("kind"),
                year.label("y"),
                month.label("m"),
                func.count().label("n"),
            )
            .where(*bounds)
            .group_by(year, month)
        )
    combined = union_all(*parts).subquery()
    with reading(engine_or_session) as session:
        rows = session.execute(
            select(combined.c.kind, combined.c.y, combined.c.m, func.sum(combined.c.n))
            .group_by(combined.c.kind, combined.c.y, combined.c.m)
            .order_by(combined.c.y, combined.c.m, combined.c.kind)
        ).all()
    return tuple(
        ActivityCount(month=date(int(y), int(mo), 1), kind=kind, count=int(n))
        for kind, y, mo, n in rows
        if y is not None
    )


# --- B7: who did it, and repeated events grouped ---------------------------------------------


def timeline_staff(
    engine_or_session: Engine | Session, actor: Actor, customer_id: int
) -> tuple[tuple[int, str], ...]:
    """The staff members (id, name) behind any event of ``customer_id``, for the staff filter."""
    require(actor, Permission.VIEW_CUSTOMERS)
    ids = union_all(
        *(
            _staff_ids_query(stream, actor, customer_id)
            for stream in STREAMS
            if stream.staff_column is not None
        )
    ).subquery()
    with reading(engine_or_session) as session:
        rows = session.execute(
            select(m.StaffUser.id, m.StaffUser.name)
            .where(m.StaffUser.id.in_(select(ids.c.staff_id)))
            .order_by(m.StaffUser.name)
        ).all()
    return tuple((row.id, row.name) for row in rows)


def _staff_ids_query(stream: Stream, actor: Actor, customer_id: int) -> Select:
    column = stream.staff_column()
    query = stream.query(actor, customer_id).with_only_columns(column.label("staff_id"))
    return query.where(column.is_not(None)).distinct()


@dataclass(frozen=True)
class TimelineGroup:
    """Consecutive events of one kind by one person, shown as one line (B7)."""

    events: tuple[TimelineEvent, ...]

    @property
    def first(self) -> TimelineEvent:
        return self.events[0]

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def oldest_at(self) -> datetime:
        return self.events[-1].occurred_at


# Kinds whose runs are noise worth folding (campaign sends, point lots, feed entries); orders,
# tickets, notes and tags each matter on their own and are never folded.
GROUPED_KINDS = frozenset({"marketing", "loyalty", "account"})


def _run_key(event: TimelineEvent) -> tuple[object, ...]:
    details = event.details
    return (
        event.kind,
        details.get("event"),
        details.get("kind"),
        details.get("action"),
        event.actor,
    )


def group_repeats(
    events: Iterable[TimelineEvent], minimum: int = 3
) -> tuple[TimelineEvent | TimelineGroup, ...]:
    """Fold runs of ``minimum`` or more consecutive like events (same source, sort and actor)."""
    runs: list[list[TimelineEvent]] = []
    for event in events:
        groupable = event.kind in GROUPED_KINDS
        if groupable and runs and _run_key(runs[-1][0]) == _run_key(event):
            runs[-1].append(event)
        else:
            runs.append([event])
    return tuple(
        item
        for run in runs
        for item in ([TimelineGroup(tuple(run))] if len(run) >= minimum else run)
    )


__all__ = [
    "KINDS",
    "TimelineGroup",
    "activity_by_month",
    "group_repeats",
    "load_timeline_page",
    "timeline_page",
    "timeline_staff",
]
