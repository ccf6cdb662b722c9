"""Compare 2–3 customers side by side (R16): /compare?ids=a,b,c."""

from __future__ import annotations

import streamlit as st

from c360.compare import compare_customers, parse_ids
from c360.db import transaction
from c360.errors import C360Error
from c360.permissions import Permission
from c360.ui import search_compare as view
from c360.ui.auth import require_actor
from c360.ui.db import engine
from c360.ui.search import go_to

actor = require_actor(Permission.COMPARE)
st.title("Compare customers")
try:
    ids = parse_ids(st.query_params.get("ids", ""))
    with transaction(engine()) as session:
        comparison = compare_customers(actor, session, ids)
except C360Error as exc:
    st.error(str(exc))
    if st.button("Back to search"):
        go_to("search.py")
    st.stop()

columns = st.columns(len(comparison.customers))
for column, customer in zip(columns, comparison.customers, strict=True):
    column.subheader(customer.name)
    if column.button("Open single view", key=f"open_{customer.id}"):
        go_to("customer.py", id=str(customer.id))

view.metrics_table(comparison)
left, right = st.columns(2)
with left:
    st.subheader("Health components")
    view.health_radar(comparison)
with right:
    st.subheader("Monthly spend")
    view.spend_chart(comparison)
left, right = st.columns(2)
with left:
    st.subheader("Segments")
    view.overlap("Segments", comparison.shared_segments, comparison.segment_differences, comparison)
with right:
    st.subheader("Tags")
    view.overlap("Tags", comparison.shared_tags, comparison.tag_differences, comparison)
