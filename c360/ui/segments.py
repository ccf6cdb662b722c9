"""Segment widgets: the list, the criteria builder with a live count, and the profile widget.

The profile page calls ``customer_segments_widget(customer_id, actor)``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pandas as pd
import streamlit as st

from c360.db import transaction
from c360.errors import C360Error, ValidationError
from c360.permissions import Actor, Permission
from c360.segments import service
from c360.segments.criteria import FIELDS, OPERATOR_LABELS, Kind, describe, parse_criteria
from c360.segments.refresh import ensure_builtin_segments_ready, refresh_all_segments
from c360.ui.db import engine
from c360.ui.search import go_to

ROWS_KEY = "segment_builder_rows"
COMBINATOR_KEY = "segment_builder_combinator"
USE_JSON_KEY = "segment_builder_use_json"
JSON_KEY = "segment_builder_json"
EDITING_KEY = "segment_builder_editing"


# --------------------------------------------------------------------------- list


def segment_list(actor: Actor) -> list[Any]:
    """Every segment with its member count; a button opens the search of a segment's members."""
    try:
        created = ensure_builtin_segments_ready(engine())
    except C360Error as exc:
        st.error(str(exc))
        created = ()
    if created:
        st.toast(f"Created the built-in segments: {', '.join(created)}.")
    with transaction(engine()) as session:
        segments = service.list_segments(session)
    if not segments:
        st.info("No segments yet.")
        return []
    frame = pd.DataFrame(
        [
            {
                "Segment": s.name,
                "Members": s.member_count,
                "Type": ("built-in" if s.is_builtin else "automatic")
                if s.is_automatic
                else "manual",
                "Criteria": describe(parse_criteria(s.criteria))
                if s.is_automatic
                else "chosen by hand",
                "Members link": f"/search?segment={s.id}",
            }
            for s in segments
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "Members link": st.column_config.LinkColumn("Open", display_text="Search members")
        },
    )
    a, b = st.columns([3, 1])
    names = {s.id: f"{s.name} ({s.member_count:,})" for s in segments}
    chosen = a.selectbox("Open the members of", list(names), format_func=names.get)
    if b.button("Search members"):
        go_to("search.py", segment=str(chosen))
    return segments


def refresh_button(actor: Actor) -> None:
    """Recompute automatic segments now (managers)."""
    if not actor.can(Permission.MANAGE_SEGMENTS):
        return
    if st.button("Refresh automatic segments now"):
        try:
            report = refresh_all_segments(engine())
        except C360Error as exc:
            st.error(str(exc))
        else:
            st.success(
                f"Refreshed {len(report.segments)} segments in {report.seconds:.1f} s: "
                f"{report.added:,} added, {report.removed:,} removed."
            )


# --------------------------------------------------------------------------- builder


def _rows() -> list[str]:
    if ROWS_KEY not in st.session_state:
        st.session_state[ROWS_KEY] = [uuid.uuid4().hex[:8]]
    return st.session_state[ROWS_KEY]


def load_into_builder(criteria: dict) -> None:
    """Put stored criteria into the builder (rows when flat, the JSON editor when nested)."""
    group = parse_criteria(criteria)
    flat = all(not isinstance(item, type(group)) for item in group.items)
    st.session_state[JSON_KEY] = json.dumps(group.to_dict(), indent=2)
    st.session_state[USE_JSON_KEY] = not flat
    st.session_state[COMBINATOR_KEY] = "all" if group.combinator == "and" else "any"
    rows = []
    for condition in group.to_dict()[group.combinator] if flat else []:
        uid = uuid.uuid4().hex[:8]
        rows.append(uid)
        field = condition["field"]
        st.session_state[f"seg_{uid}_field"] = field
        st.session_state[f"seg_{uid}_op_{field}"] = condition["op"]
        value = condition["value"]
        key = f"seg_{uid}_value_{field}_{condition['op']}"
        if condition["op"] == "between":
            low, high = (_widget_value(field, v) for v in value)
            st.session_state[key + "_low"], st.session_state[key + "_high"] = low, high
        elif condition["op"] == "in" and FIELDS[field].kind not in (Kind.CHOICE, Kind.TAG):
            st.session_state[key] = ", ".join(str(v) for v in value)
        elif condition["op"] == "in" or FIELDS[field].kind in (Kind.CHOICE, Kind.TAG, Kind.BOOLEAN):
            st.session_state[key] = value
        else:
            st.session_state[key] = _widget_value(field, value)
    st.session_state[ROWS_KEY] = rows or [uuid.uuid4().hex[:8]]


def _number_input(spec: Any, label: str, key: str) -> Any:
    whole = spec.kind in (Kind.INTEGER, Kind.DAYS)
    # A default only for a fresh widget: values loaded by load_into_builder live in state.
    default = {} if key in st.session_state else {"value": 0 if whole else 0.0}
    if whole:
        return st.number_input(label, step=1, key=key, **default)
    return st.number_input(label, step=10.0 if spec.kind is Kind.MONEY else 1.0, key=key, **default)


def _widget_value(field: str, value: Any) -> Any:
    kind = FIELDS[field].kind
    if kind in (Kind.INTEGER, Kind.DAYS):
        return int(value)
    if kind in (Kind.NUMBER, Kind.MONEY):
        return float(value)
    return value


def _value_widget(spec: Any, op: str, key: str, tag_names: list[str]) -> Any:
    if op == "between":
        low, high = st.columns(2)
        with low:
            a = _number_input(spec, "from", key + "_low")
        with high:
            b = _number_input(spec, "to", key + "_high")
        return [a, b]
    if spec.kind is Kind.BOOLEAN:
        return st.selectbox(
            "value", [True, False], format_func=lambda v: "yes" if v else "no", key=key
        )
    if spec.kind in (Kind.CHOICE, Kind.TAG):
        options = list(spec.choices) if spec.kind is Kind.CHOICE else tag_names
        if spec.kind is Kind.TAG and not options:
            return st.text_input("tag name", key=key)
        if op == "in":
            return st.multiselect("values", options, key=key)
        return st.selectbox("value", options, key=key)
    if op == "in":
        text = st.text_input("values (comma-separated)", key=key)
        return [v.strip() for v in text.split(",") if v.strip()]
    return _number_input(spec, "value", key)


def builder(tag_names: list[str]) -> dict | None:
    """Condition rows (all/any) or a JSON tree; returns the criteria dict being built."""
    combinator = st.radio(
        "Customers matching",
        ["all", "any"],
        horizontal=True,
        key=COMBINATOR_KEY,
        format_func=lambda c: f"{c} of these conditions",
    )
    rows = _rows()
    conditions = []
    for uid in list(rows):
        a, b, c, d = st.columns([3, 2, 4, 1], vertical_alignment="bottom")
        with a:
            field = st.selectbox(
                "field", list(FIELDS), format_func=lambda f: FIELDS[f].label, key=f"seg_{uid}_field"
            )
        spec = FIELDS[field]
        with b:
            op = st.selectbox(
                "operator",
                spec.operators,
                format_func=OPERATOR_LABELS.get,
                key=f"seg_{uid}_op_{field}",
            )
        with c:
            value = _value_widget(spec, op, f"seg_{uid}_value_{field}_{op}", tag_names)
        with d:
            if st.button("✕", key=f"seg_{uid}_remove", help="Remove this condition"):
                rows.remove(uid)
                st.rerun()
        conditions.append({"field": field, "op": op, "value": value})
    if st.button("Add condition"):
        rows.append(uuid.uuid4().hex[:8])
        st.rerun()
    from_rows = {"and" if combinator == "all" else "or": conditions}
    with st.expander(
        "Criteria as JSON (nested and/or groups)", expanded=bool(st.session_state.get(USE_JSON_KEY))
    ):
        use_json = st.checkbox("Use the JSON below instead of the rows", key=USE_JSON_KEY)
        if JSON_KEY not in st.session_state or not use_json:
            st.session_state[JSON_KEY] = json.dumps(from_rows, indent=2, default=str)
        text = st.text_area("criteria JSON", key=JSON_KEY, height=200)
    if not use_json:
        return from_rows
    try:
        criteria = json.loads(text)
    except json.JSONDecodeError as exc:
        st.error(f"The JSON cannot be read: {exc.msg} (line {exc.lineno}).")
        return None
    return criteria


def live_count(criteria: dict | None) -> dict | None:
    """Validate ``criteria`` and show how many customers match now; the normalised dict or None."""
    if criteria is None:
        return None
    try:
        group = parse_criteria(criteria)
        with transaction(engine()) as session:
            count = service.count_matching(session, criteria)
    except C360Error as exc:
        st.error(str(exc))
        return None
    st.metric("Matching customers now", f"{count:,}")
    st.caption(describe(group))
    return group.to_dict()


def save_form(actor: Actor, criteria: dict | None, segments: list[Any]) -> None:
    """Create a segment from the builder, or update / delete the one being edited."""
    if not actor.can(Permission.MANAGE_SEGMENTS):
        st.caption("Only managers can save segments; the count above is a preview.")
        return
    editing_id = st.session_state.get(EDITING_KEY)
    editing = next((s for s in segments if s.id == editing_id), None)
    with st.form("segment_save"):
        name = st.text_input("Name", value=editing.name if editing else "", max_chars=80)
        description = st.text_input("Description", value=editing.description if editing else "")
        automatic = st.toggle(
            "Automatic (members come from the criteria)",
            value=editing.is_automatic if editing else True,
            disabled=editing is not None,
        )
        label = f"Update {editing.name}" if editing else "Create segment"
        submitted = st.form_submit_button(label, type="primary")
    if submitted:
        try:
            with transaction(engine()) as session:
                if editing:
                    saved = service.update_segment(
                        actor,
                        session,
                        editing.id,
                        name=name,
                        description=description,
                        criteria=criteria if editing.is_automatic else None,
                    )
                else:
                    if automatic and criteria is None:
                        raise C360Error("Fix the criteria above first.")
                    saved = service.create_segment(
                        actor,
                        session,
                        name=name,
                        description=description,
                        criteria=criteria if automatic else None,
                        is_automatic=automatic,
                    )
        except C360Error as exc:
            st.error(str(exc))
        else:
            st.success(f"Saved {saved.name}: {saved.member_count or 0:,} members.")


def edit_picker(actor: Actor, segments: list[Any]) -> None:
    """Choose a segment to edit (loads it into the builder) or delete."""
    if not actor.can(Permission.MANAGE_SEGMENTS) or not segments:
        return
    names = {s.id: s.name for s in segments}
    a, b, c, d = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    chosen = a.selectbox("Existing segment", list(names), format_func=names.get, key="segment_pick")
    if b.button("Edit"):
        segment = next(s for s in segments if s.id == chosen)
        st.session_state[EDITING_KEY] = chosen
        if segment.is_automatic:
            load_into_builder(segment.criteria)
        st.rerun()
    if c.button("New"):
        st.session_state.pop(EDITING_KEY, None)
        st.rerun()
    if d.button("Delete"):
        try:
            with transaction(engine()) as session:
                service.delete_segment(actor, session, chosen)
        except C360Error as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(EDITING_KEY, None)
            st.success(f"Deleted {names[chosen]}.")
            st.rerun()


# --------------------------------------------------------------------------- profile widget


def customer_segments_widget(customer_id: int, actor: Actor) -> None:
    """The customer's segments (name, criteria, assigned date, type) with manual add/remove."""
    try:
        with transaction(engine()) as session:
            mine = service.customer_segments(session, customer_id)
            manual = service.manual_segments(session)
    except C360Error as exc:
        st.error(str(exc))
        return
    can_act = actor.can(Permission.ACT_ON_CUSTOMERS)
    if not mine:
        st.caption("In no segment yet.")
    for segment in mine:
        a, b = st.columns([5, 1], vertical_alignment="center")
        kind = "automatic" if segment.is_automatic else "manual"
        when = f"{segment.assigned_at:%Y-%m-%d}" if segment.assigned_at else "—"
        rule = _rule_text(segment.criteria) if segment.is_automatic else "added by hand"
        a.markdown(f"**{segment.name}** · {kind} · since {when}  \n{rule}")
        if (
            can_act
            and not segment.is_automatic
            and b.button("Remove", key=f"segment_remove_{customer_id}_{segment.id}")
        ):
            _membership(actor, customer_id, segment.id, add=False)
    member_of = {s.id for s in mine}
    available = {s.id: s.name for s in manual if s.id not in member_of}
    if can_act and available:
        a, b = st.columns([4, 1], vertical_alignment="bottom")
        chosen = a.selectbox(
            "Add to a manual segment",
            list(available),
            format_func=available.get,
            key=f"segment_add_choice_{customer_id}",
        )
        if b.button("Add", key=f"segment_add_{customer_id}"):
            _membership(actor, customer_id, chosen, add=True)


def _membership(actor: Actor, customer_id: int, segment_id: int, *, add: bool) -> None:
    try:
        with transaction(engine()) as session:
            if add:
                service.add_customer_to_segment(actor, session, customer_id, segment_id)
            else:
                service.remove_customer_from_segment(actor, session, customer_id, segment_id)
    except C360Error as exc:
        st.error(str(exc))
    else:
        st.rerun()


def _rule_text(criteria: dict) -> str:
    """The criteria in words; stored criteria that no longer validate are said to be so."""
    try:
        return describe(parse_criteria(criteria))
    except ValidationError as exc:
        return f"criteria cannot be read ({exc}); edit the segment on the Segments page"
