"""Hostile strings fed to search, notes, tags, segment criteria and imports (hypothesis).

The property everywhere: the call either succeeds and stores exactly what it reports, or
refuses with a ``C360Error`` (a message for the user) and changes nothing. Never a raw
database error, never text run as SQL. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from c360 import notes, tags
from c360.db import session_factory, transaction
from c360.errors import C360Error
from c360.ingest import import_csv
from c360.models import ActivityLog, Customer, CustomerNote, CustomerTag, Segment, StaffRole, Tag
from c360.permissions import Actor
from c360.search import search_customers
from c360.segments import service as segments
from c360.segments.criteria import FIELDS
from c360.views import CustomerSearchParams
from tests import factories

PAYLOADS = [
    "'; DROP TABLE customers; --",
    "Robert'); DELETE FROM activity_log; --",
    '" OR 1=1 --',
    "%",
    "_",
    "\\",
    "%_\\%",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}${7*7}",
    "\x00",
    "nul\x00inside",
    "\u202eevil",
    "\ufeffbom",
    "Zoë Ångström",
    "🙂" * 20,
    "   ",
    "\n\r\t",
    "a" * 5000,
    "=cmd|' /C calc'!A0",
    "NaN",
    "-0",
    "1e309",
]
hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=120),
    st.tuples(st.sampled_from(PAYLOADS), st.text(max_size=30)).map("".join),
)
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_unique = itertools.count()


def _counts(engine: Engine) -> dict[str, int]:
    with session_factory(engine)() as s:
        return {
            model.__name__: s.scalar(select(func.count()).select_from(model))
            for model in (Customer, CustomerNote, CustomerTag, Tag, Segment, ActivityLog)
        }


@pytest.fixture
def world(engine: Engine, actors: dict[StaffRole, Actor]) -> tuple[Engine, Actor, int]:
    with transaction(engine) as s:
        customer = factories.customer(s, name="Hostile Target", email="target@example.com")
        factories.order(s, customer)
        return engine, actors[StaffRole.ADMIN], customer.id


@SETTINGS
@given(query=hostile)
def test_search_with_hostile_text_answers_or_refuses_and_changes_nothing(
    world: tuple[Engine, Actor, int], query: str
) -> None:
    engine, admin, _ = world
    before = _counts(engine)
    try:
        with session_factory(engine)() as s:
            result = search_customers(admin, s, CustomerSearchParams(query=query))
    except C360Error:
        pass
    else:
        assert result.total >= len(result.rows)
        assert result.total <= before["Customer"]
    assert _counts(engine) == before


@SETTINGS
@given(content=hostile)
def test_a_hostile_note_is_stored_verbatim_or_refused_with_nothing_written(
    world: tuple[Engine, Actor, int], content: str
) -> None:
    engine, admin, customer_id = world
    before = _counts(engine)
    try:
        note = notes.add_note(admin, engine, customer_id, content)
    except C360Error:
        assert _counts(engine) == before
        return
    with session_factory(engine)() as s:
        stored = s.get(CustomerNote, note.id)
        assert stored.content == note.content
        assert stored.content.strip() == content.strip()
    after = _counts(engine)
    assert after["CustomerNote"] == before["CustomerNote"] + 1
    assert after["ActivityLog"] == before["ActivityLog"] + 1
    assert after["Customer"] == before["Customer"]


@SETTINGS
@given(name=hostile, description=hostile)
def test_a_hostile_tag_is_stored_exactly_or_refused_with_nothing_written(
    world: tuple[Engine, Actor, int], name: str, description: str
) -> None:
    engine, admin, customer_id = world
    before = _counts(engine)
    try:
        tag = tags.create_tag(admin, engine, name, description=description)
    except C360Error:
        assert _counts(engine) == before
        return
    with session_factory(engine)() as s:
        assert s.get(Tag, tag.id).name == tag.name
    assert tags.assign_tag(admin, engine, customer_id, tag.id) is True
    with session_factory(engine)() as s:
        found = search_customers(admin, s, CustomerSearchParams(tag_ids=(tag.id,)))
    assert [row.id for row in found.rows] == [customer_id]


def _json_values(leaf: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(
                st.one_of(st.sampled_from(["and", "or", "field", "op", "value"]), hostile),
                children,
                max_size=3,
            ),
        ),
        max_leaves=12,
    )


scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile,
)
condition = st.fixed_dictionaries(
    {
        "field": st.one_of(st.sampled_from(sorted(FIELDS)), hostile),
        "op": st.one_of(
            st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte", "between", "in"]), hostile
        ),
        "value": st.one_of(scalar, st.lists(scalar, max_size=3)),
    }
)
criteria = st.one_of(
    _json_values(scalar),
    st.lists(condition, min_size=1, max_size=3).map(lambda items: {"and": items}),
)


@SETTINGS
@given(raw=criteria, name=hostile)
def test_hostile_segment_criteria_are_refused_clearly_or_compile_to_a_working_segment(
    world: tuple[Engine, Actor, int], raw: Any, name: str
) -> None:
    engine, admin, _ = world
    before = _counts(engine)
    try:
        with transaction(engine) as s:
            segment = segments.create_segment(
                admin, s, name=f"{name[:40]} {next(_unique)}", criteria=raw
            )
    except C360Error:
        assert _counts(engine) == before
        return
    assert segment.member_count is None or 0 <= segment.member_count <= before["Customer"]
    assert _counts(engine)["Customer"] == before["Customer"]


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([["external_id", "name", "email", "phone"], *rows])
    return out.getvalue()


@SETTINGS
@given(
    rows=st.lists(st.tuples(hostile, hostile, hostile, hostile).map(list), min_size=1, max_size=4)
)
def test_a_hostile_customer_import_loads_everything_or_nothing(
    world: tuple[Engine, Actor, int],
    rows: list[list[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine, _, _ = world
    path = Path(tmp_path_factory.mktemp("hostile")) / "customers.csv"
    try:
        path.write_text(_csv_text(rows), encoding="utf-8")
    except UnicodeEncodeError:
        return  # not a file anyone could have written
    before = _counts(engine)
    try:
        report = import_csv(engine, "customers", path)
    except C360Error:
        assert _counts(engine) == before
        return
    after = _counts(engine)
    if report.problems:
        assert after == before, "a file with bad rows must write nothing"
    else:
        assert after["Customer"] >= before["Customer"]
        assert after["Customer"] - before["Customer"] <= len(rows)
