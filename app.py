"""Customer 360 entry point: page config, navigation over pages/, shared sidebar."""

from __future__ import annotations

import streamlit as st

from c360.ui import auth as auth_ui
from c360.ui.bootstrap import ensure_database_ready
from c360.ui.errors import database_errors_shown

st.set_page_config(page_title="Customer 360", page_icon="🧭", layout="wide")
with database_errors_shown():
    ensure_database_ready()  # migrate; demo data into an empty embedded database

PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", url_path="home", default=True),
    st.Page("pages/customer.py", title="Customer", icon="👤", url_path="customer"),
    st.Page("pages/search.py", title="Search", icon="🔎", url_path="search"),
    st.Page("pages/compare.py", title="Compare", icon="⚖️", url_path="compare"),
    st.Page("pages/segments.py", title="Segments", icon="🧩", url_path="segments"),
    st.Page("pages/tags.py", title="Tags", icon="🏷️", url_path="tags"),
    st.Page("pages/portfolio.py", title="Portfolio", icon="📊", url_path="portfolio"),
    st.Page("pages/audit.py", title="Audit log", icon="📜", url_path="audit"),
    st.Page("pages/admin_staff.py", title="Staff accounts", icon="👥", url_path="staff"),
    st.Page("pages/import_data.py", title="Import data", icon="📥", url_path="import"),
    st.Page("pages/at_risk.py", title="At risk", icon="🚨", url_path="at-risk"),
    st.Page("pages/model_quality.py", title="Model quality", icon="🎯", url_path="model-quality"),
    st.Page("pages/scoring_settings.py", title="Scoring settings", icon="⚖", url_path="scoring"),
]

# Sign-in gate. Navigation is built first (hidden while signed out) so that a deep link such
# as /customer?id=5 keeps its page and lands there after sign-in; nothing else runs before it.
actor = auth_ui.signed_in_actor()
auth_ui.hide_forbidden_pages(PAGES, actor)
navigation = st.navigation(PAGES, position="sidebar" if actor else "hidden")
if actor is None:
    auth_ui.sign_in_page()
    st.stop()
auth_ui.account_sidebar(actor)
with database_errors_shown():
    navigation.run()
