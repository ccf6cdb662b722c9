"""Customer 360: one customer's complete picture, shareable as /customer?id=<customer id>."""

import streamlit as st

from c360.permissions import Permission
from c360.ui import profile as profile_ui
from c360.ui.actions import render_action_bar
from c360.ui.auth import require_actor
from c360.ui.db import engine
from c360.ui.live import remember_marker, render_live
from c360.ui.notes import render_notes
from c360.ui.scores import render_score_details
from c360.ui.segments import customer_segments_widget

actor = require_actor(Permission.VIEW_CUSTOMERS)
profile_ui.render_styles()

customer_id = profile_ui.customer_id_from_query(st.query_params.get("id"))
if customer_id is not None:
    remember_marker(engine(), customer_id)  # before reading: no change in between is missed
ctx = profile_ui.load_context(actor, customer_id) if customer_id is not None else None
if ctx is None:
    profile_ui.customer_picker(actor)
    st.stop()

profile_ui.render_header(ctx)
# Value and scores first (on a phone they are the first screen), then what one can do.
profile_ui.render_metrics(ctx)
profile_ui.render_scores(ctx)
render_action_bar(ctx)  # quick actions (dialogs), tag add/remove, PDF/CSV export
render_score_details(ctx)  # factors and weights, churn reasons, predictions, score history
with st.expander("Segments"):
    customer_segments_widget(ctx.view.profile.id, actor)
with st.expander("Addresses"):
    profile_ui.render_addresses(ctx)
profile_ui.render_sections(ctx)
render_notes(ctx)
render_live(ctx)  # polls for others' changes every second and reruns the page
