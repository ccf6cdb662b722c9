"""Search customers (R15): text and filters live in the URL, so a search is a shareable link."""

from __future__ import annotations

import streamlit as st

from c360.permissions import Permission
from c360.ui import search as search_ui
from c360.ui.auth import require_actor

actor = require_actor(Permission.VIEW_CUSTOMERS)
st.title("Search customers")
params = search_ui.read_params()
search_ui.search_form(params)
search_ui.sort_controls(params)
result = search_ui.run_search(actor, params)
if result is not None:
    selected = search_ui.results(result, params)
    search_ui.selection_actions(selected)
