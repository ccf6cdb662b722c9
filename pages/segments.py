"""Segments (R11, B6): the list, a builder with a live member count, built-in RFM segments."""

from __future__ import annotations

import streamlit as st

from c360.db import transaction
from c360.permissions import Permission
from c360.search import filter_choices
from c360.ui import segments as view
from c360.ui.auth import require_actor
from c360.ui.db import engine

actor = require_actor(Permission.VIEW_CUSTOMERS)
st.title("Segments")
segments = view.segment_list(actor)
view.refresh_button(actor)
st.subheader("Segment builder")
view.edit_picker(actor, segments)
with transaction(engine()) as session:
    tag_names = [name for _, name in filter_choices(session).tags]
criteria = view.live_count(view.builder(tag_names))
view.save_form(actor, criteria, segments)
