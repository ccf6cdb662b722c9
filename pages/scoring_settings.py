"""Scoring settings: the weights of the four health components (admins only, audited)."""

import streamlit as st

from c360.errors import C360Error
from c360.permissions import Permission
from c360.scoring.health import COMPONENTS
from c360.scoring.read import COMPONENT_LABELS
from c360.ui import scores
from c360.ui.auth import require_actor
from c360.ui.db import engine

actor = require_actor(Permission.MANAGE_SCORING)
db = engine()
st.title("Scoring settings")
st.caption(
    "Health score = weighted mean of four components (0–100 each). Weights are scaled to sum to "
    "100% and apply from the next scoring run (`python -m c360 score`)."
)
flash = st.session_state.pop("c360_weights_flash", None)
if flash:
    st.success(flash)

current = scores.current_weights(db)
with st.form("health_weights"):
    values = {
        name: st.number_input(
            COMPONENT_LABELS[name],
            min_value=0.0,
            max_value=100.0,
            value=round(100 * current[name], 1),
            step=5.0,
            format="%.1f",
        )
        for name in COMPONENTS
    }
    if st.form_submit_button("Save weights", type="primary"):
        try:
            saved = scores.save_weights(actor, db, values)
        except C360Error as exc:
            st.error(str(exc))
        else:
            shown = ", ".join(f"{COMPONENT_LABELS[n]} {saved[n]:.0%}" for n in COMPONENTS)
            st.session_state["c360_weights_flash"] = f"Saved: {shown}."
            st.rerun()
