"""Segment criteria: whitelist validation, and JSON -> SQL giving the same members as Python."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from c360.db import session_factory
from c360.errors import ValidationError
from c360.models import CustomerTag, Tag, utcnow
from c360.segments.criteria import FIELDS, Kind, describe, parse_criteria
from c360.segments.refresh import members_query
from c360.segments.service import count_matching
from tests import factories
from tests.segment_world import build_world, load_facts, reference_members

HOSTILE_TEXT = ["'; DROP TABLE customers; --", "' OR 1=1 --", "%", "_", "\\", "🙂", 'a"b']


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({"and": [{"field": "password", "op": "eq", "value": 1}]}, "Unknown field 'password'"),
        ({"and": [{"field": "1=1; --", "op": "eq", "value": 1}]}, "Unknown field"),
        ({"and": [{"field": "order_count", "op": "like", "value": 1}]}, "Operator 'like'"),
        ({"and": [{"field": "tag", "op": "gt", "value": "vip"}]}, "Operator 'gt'"),
        ({"and": [{"field": "order_count", "op": "gt", "value": "many"}]}, "needs a number"),
        ({"and": [{"field": "order_count", "op": "gt", "value": True}]}, "needs a number"),
        ({"and": [{"field": "order_count", "op": "gt", "value": 1.5}]}, "whole number"),
        ({"and": [{"field": "order_count", "op": "gt", "value": 1e300}]}, "out of range"),
        ({"and": [{"field": "order_count", "op": "gt", "value": "NaN"}]}, "out of range"),
        ({"and": [{"field": "lifetime_value", "op": "gt", "value": 1.005}]}, "two decimals"),
        ({"and": [{"field": "order_count", "op": "between", "value": [5, 1]}]}, "low value"),
        ({"and": [{"field": "order_count", "op": "between", "value": 3}]}, "two values"),
        ({"and": [{"field": "order_count", "op": "in", "value": []}]}, "non-empty list"),
        ({"and": [{"field": "loyalty_tier", "op": "eq", "value": "DIAMOND"}]}, "must be one of"),
        ({"and": [{"field": "email_opt_in", "op": "eq", "value": "yes"}]}, "true or false"),
        ({"and": [{"field": "tag", "op": "eq", "value": ""}]}, "tag name"),
        ({"and": [{"field": "tag", "op": "eq", "value": "x" * 61}]}, "tag name"),
        ({"and": [{"field": "order_count", "op": "eq"}]}, "needs a value"),
        ({"and": [{"field": "order_count", "op": "eq", "value": 1, "sql": "1"}]}, "Unknown key"),
        ({"xor": []}, "exactly one key"),
        ({"and": {"field": "order_count"}}, "list"),
        ({"and": ["order_count > 1"]}, "must be an object"),
        ("order_count > 1", "must be a group"),
        ({"and": [{"and": [{"and": [{"and": [{"and": [{"and": []}]}]}]}]}]}, "nested at most"),
    ],
)
def test_invalid_criteria_are_refused_with_a_clear_message(criteria: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        parse_criteria(criteria)


def test_too_many_conditions_are_refused() -> None:
    many = {"or": [{"field": "order_count", "op": "eq", "value": n} for n in range(51)]}
    with pytest.raises(ValidationError, match="at most 50"):
        parse_criteria(many)


def test_criteria_survive_a_json_round_trip_unchanged() -> None:
    criteria = {
        "and": [
            {"field": "lifetime_value", "op": "between", "value": [10.5, 2000]},
            {"or": [{"field": "loyalty_tier", "op": "in", "value": ["gold", "PLATINUM"]}]},
            {"field": "tag", "op": "ne", "value": 'it\'s "vip"'},
        ]
    }
    parsed = parse_criteria(json.loads(json.dumps(criteria)))
    again = parse_criteria(json.loads(json.dumps(parsed.to_dict())))
    assert again == parsed
    assert parsed.to_dict()["and"][1]["or"][0]["value"] == ["GOLD", "PLATINUM"]
    assert "Lifetime value between 10.5 and 2000" in describe(parsed)


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_hostile_tag_names_in_criteria_are_only_values(engine: Engine, text: str) -> None:
    with session_factory(engine)() as s:
        tagged = factories.customer(s, name="Tagged")
        factories.customer(s, name="Plain")
        tag = Tag(name=text)
        s.add(tag)
        s.flush()
        s.add(CustomerTag(customer_id=tagged.id, tag_id=tag.id))
        s.commit()
        has = {"and": [{"field": "tag", "op": "eq", "value": text}]}
        has_not = {"and": [{"field": "tag", "op": "ne", "value": text}]}
        assert set(s.scalars(members_query(has, utcnow()))) == {tagged.id}
        assert count_matching(s, has_not) == 1
        assert count_matching(s, {}) == 2


VALUES = {
    Kind.INTEGER: st.integers(0, 8),
    Kind.NUMBER: st.sampled_from([0, 5, 35.5, 50, 72.25, 80, 100]),
    Kind.MONEY: st.sampled_from([0, 9.99, 25, 50, 123.45, 1000, 2500]),
    Kind.DAYS: st.integers(0, 900),
    Kind.BOOLEAN: st.booleans(),
    Kind.TAG: st.sampled_from(["vip", "wholesale", 'it\'s "quoted"', "100%_off", "none"]),
}


@st.composite
def conditions(draw):  # type: ignore[no-untyped-def]
    spec = draw(st.sampled_from(list(FIELDS.values())))
    op = draw(st.sampled_from(spec.operators))
    values = st.sampled_from(spec.choices) if spec.kind is Kind.CHOICE else VALUES[spec.kind]
    if op == "between":
        low, high = sorted([draw(values), draw(values)])
        value = [low, high]
    elif op == "in":
        value = draw(st.lists(values, min_size=1, max_size=3))
    else:
        value = draw(values)
    return {"field": spec.name, "op": op, "value": value}


criteria_trees = st.recursive(
    conditions(),
    lambda inner: st.builds(
        lambda comb, items: {comb: items},
        st.sampled_from(["and", "or"]),
        st.lists(inner, max_size=3),
    ),
    max_leaves=5,
).map(lambda tree: tree if "field" not in tree else {"and": [tree]})


def test_compiled_criteria_select_the_same_members_as_a_python_reference(engine: Engine) -> None:
    build_world(engine, customers=70, seed=11)
    facts = load_facts(engine)
    as_of = utcnow() + timedelta(hours=1)

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(criteria=criteria_trees)
    def check(criteria: dict) -> None:
        stored = json.loads(json.dumps(parse_criteria(criteria).to_dict()))
        with session_factory(engine)() as s:
            members = set(s.scalars(members_query(stored, as_of)))
        assert members == reference_members(facts, criteria, as_of)

    check()
