"""The segments page: list, builder with live count, save round trip, and the profile widget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from c360.db import session_factory
from c360.models import ActivityLog, CustomerSegment, Segment, StaffRole, utcnow
from c360.segments.refresh import refresh_all_segments
from tests.app.search_apptest import actor, app_copy, database, open_page, texts
from tests.segment_world import build_world, load_facts, reference_members


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    engine = database(tmp_path, monkeypatch)
    build_world(engine, customers=40, seed=21)
    refresh_all_segments(engine)
    yield engine
    engine.dispose()


def _labelled(widgets, label: str, index: int = 0):  # type: ignore[no-untyped-def]
    return [w for w in widgets if w.label == label][index]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_list_shows_built_in_segments_with_counts_and_member_links(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.ANALYST), "segments.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert {"Champions", "At risk", "Hibernating", "Lost"} <= set(table["Segment"])
    with session_factory(engine)() as s:
        lost = s.scalar(select(Segment).where(Segment.name == "Lost"))
        members = len(
            s.scalars(select(CustomerSegment.id).where(CustomerSegment.segment_id == lost.id)).all()
        )
    row = table[table["Segment"] == "Lost"].iloc[0]
    assert row["Members"] == members and row["Members link"] == f"/search?segment={lost.id}"
    assert "Only managers can save segments" in texts(at)


def test_a_segment_built_in_the_ui_has_the_members_a_python_reference_expects(
    engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.MANAGER), "segments.py")
    at = _labelled(at.selectbox, "field").set_value("lifetime_value").run()
    at = _labelled(at.selectbox, "operator").set_value("gte").run()
    at = _labelled(at.number_input, "value").set_value(50.0).run()
    at = next(b for b in at.button if b.label == "Add condition").click().run()
    at = _labelled(at.selectbox, "field", 1).set_value("tag").run()
    at = _labelled(at.selectbox, "operator", 1).set_value("ne").run()
    at = _labelled(at.selectbox, "value", 0).set_value('it\'s "quoted"').run()
    expected_criteria = {
        "and": [
            {"field": "lifetime_value", "op": "gte", "value": 50},
            {"field": "tag", "op": "ne", "value": 'it\'s "quoted"'},
        ]
    }
    facts = load_facts(engine)
    expected = reference_members(facts, expected_criteria, utcnow())
    assert _metric(at, "Matching customers now") == f"{len(expected):,}"
    _labelled(at.text_input, "Name").input("Big spenders, not quoted")
    at = at.button(key="FormSubmitter:segment_save-Create segment").click().run()
    assert not at.exception and "Saved Big spenders, not quoted" in "".join(
        s.value for s in at.success
    )
    with session_factory(engine)() as s:
        saved = s.scalar(select(Segment).where(Segment.name == "Big spenders, not quoted"))
        members = set(
            s.scalars(
                select(CustomerSegment.customer_id).where(CustomerSegment.segment_id == saved.id)
            )
        )
    assert json.loads(json.dumps(saved.criteria)) == expected_criteria
    assert members == expected


def test_hostile_or_broken_json_criteria_are_refused_on_screen(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.MANAGER), "segments.py")
    at = at.checkbox(key="segment_builder_use_json").check().run()
    at = (
        at.text_area(key="segment_builder_json")
        .input('{"and": [{"field": "1=1; DROP TABLE customers", "op": "eq", "value": 1}]}')
        .run()
    )
    assert "Unknown field '1=1; DROP TABLE customers'" in texts(at)
    at = at.text_area(key="segment_builder_json").input('{"and": [').run()
    assert "The JSON cannot be read" in texts(at)
    _labelled(at.text_input, "Name").input("Never saved")
    at = at.button(key="FormSubmitter:segment_save-Create segment").click().run()
    with session_factory(engine)() as s:
        assert s.scalar(select(Segment).where(Segment.name == "Never saved")) is None


def test_nested_groups_from_the_json_editor_are_saved(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    nested = {
        "or": [
            {"field": "churn_level", "op": "eq", "value": "HIGH"},
            {
                "and": [
                    {"field": "order_count", "op": "gte", "value": 3},
                    {"field": "email_opt_in", "op": "eq", "value": True},
                ]
            },
        ]
    }
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.MANAGER), "segments.py")
    at = at.checkbox(key="segment_builder_use_json").check().run()
    at = at.text_area(key="segment_builder_json").input(json.dumps(nested)).run()
    expected = reference_members(load_facts(engine), nested, utcnow())
    assert _metric(at, "Matching customers now") == f"{len(expected):,}"
    _labelled(at.text_input, "Name").input("Nested")
    at = at.button(key="FormSubmitter:segment_save-Create segment").click().run()
    with session_factory(engine)() as s:
        saved = s.scalar(select(Segment).where(Segment.name == "Nested"))
    assert saved is not None and saved.criteria == nested


WIDGET_SCRIPT = """
import streamlit as st
from c360.ui.segments import customer_segments_widget
customer_segments_widget(int(st.query_params["id"]), st.session_state["actor"])
"""


def test_the_profile_widget_adds_and_removes_manual_segments_with_a_log_entry(
    engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "widget.py"
    script.write_text(WIDGET_SCRIPT)
    with session_factory(engine)() as s:
        manual = s.scalar(select(Segment).where(Segment.name == "Manual 0"))
        customer_id = next(
            c
            for c in range(1, 41)
            if s.scalar(
                select(CustomerSegment.id).where(
                    CustomerSegment.customer_id == c, CustomerSegment.segment_id == manual.id
                )
            )
            is None
        )
    at = AppTest.from_file(str(script), default_timeout=60)
    at.session_state["actor"] = actor(engine, StaffRole.ACCOUNT_MANAGER)
    at.query_params["id"] = str(customer_id)
    at = at.run()
    at = at.selectbox(key=f"segment_add_choice_{customer_id}").set_value(manual.id).run()
    at = at.button(key=f"segment_add_{customer_id}").click().run()
    assert "Manual 0" in texts(at) and "manual" in texts(at)
    at = at.button(key=f"segment_remove_{customer_id}_{manual.id}").click().run()
    with session_factory(engine)() as s:
        actions = s.scalars(
            select(ActivityLog.action)
            .where(ActivityLog.customer_id == customer_id)
            .order_by(ActivityLog.id)
        ).all()
    assert actions == ["segment.add_customer", "segment.remove_customer"]


def test_analysts_see_the_widget_without_add_or_remove(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "widget.py"
    script.write_text(WIDGET_SCRIPT)
    at = AppTest.from_file(str(script), default_timeout=60)
    at.session_state["actor"] = actor(engine, StaffRole.ANALYST)
    at.query_params["id"] = "1"
    at = at.run()
    assert not at.exception and not [b for b in at.button if b.label in ("Add", "Remove")]


def test_the_first_visit_creates_and_fills_the_built_in_rfm_segments(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = database(tmp_path, monkeypatch)
    build_world(engine, customers=20, seed=2)
    at = open_page(app_copy(tmp_path), actor(engine, StaffRole.MANAGER), "segments.py")
    table = at.dataframe[0].value
    builtin = table[table["Type"] == "built-in"]
    facts = load_facts(engine)
    buyers = sum(1 for f in facts.values() if f.completed_count > 0)
    assert len(builtin) == 10 and builtin["Members"].sum() == buyers
    engine.dispose()
