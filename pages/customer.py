"""Customer 360: one customer's complete picture, shareable as /customer?id=<customer id>."""

import streamlit as st

from c360.permissions import Permission
from c360.ui import profile as profile_ui
from c360.ui.auth import require_actor

actor = require_actor(Permission.VIEW_CUSTOMERS)
profile_ui.render_styles()

customer_id = profile_ui.customer_id_from_query(st.query_params.get("id"))
ctx = profile_ui.load_context(actor, customer_id) if customer_id is not None else None
if ctx is None:
    profile_ui.customer_picker(actor)
    st.stop()

profile_ui.render_header(ctx)
# Hook — actions helper: quick-action buttons and dialogs, tag add/remove, export buttons.
# Hook — segments helper: manual segment add/remove.
profile_ui.render_metrics(ctx)
profile_ui.render_scores(ctx)
# Hook — scoring helper (c360/ui/scores.py): why the score moved, score history, predictions.
with st.expander("Addresses"):
    profile_ui.render_addresses(ctx)
profile_ui.render_sections(ctx)
# Hook — actions helper: notes list; live-update fragment (run_every).
