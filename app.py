"""Customer 360 entry point: page config, navigation over pages/, shared sidebar."""

from __future__ import annotations

import streamlit as st

from c360.ui import auth as auth_ui
from c360.ui.bootstrap import ensure_database_ready
from c360.ui.errors import database_errors_shown

st.set_page_config(page_title="Customer 360", page_icon="🧭", layout="wide")
with database_errors_shown():
    ensure_database_ready()  # migrate; demo data into an empty embedded database

# (file in pages/, title, icon, URL path); the first is the default page.
PAGE_SPECS = [
    ("home.py", "Home", "🏠", "home"),
    ("customer.py", "Customer", "👤", "customer"),
    ("search.py", "Search", "🔎", "search"),
    ("compare.py", "Compare", "⚖️", "compare"),
    ("segments.py", "Segments", "🧩", "segments"),
    ("tags.py", "Tags", "🏷️", "tags"),
    ("portfolio.py", "Portfolio", "📊", "portfolio"),
    ("audit.py", "Audit log", "📜", "audit"),
    ("admin_staff.py", "Staff accounts", "👥", "staff"),
    ("import_data.py", "Import data", "📥", "import"),
    ("at_risk.py", "At risk", "🚨", "at-risk"),
    ("model_quality.py", "Model quality", "🎯", "model-quality"),
    ("scoring_settings.py", "Scoring settings", "⚖", "scoring"),
]
PAGES_BY_FILE = {
    file: st.Page(f"pages/{file}", title=title, icon=icon, url_path=path, default=index == 0)
    for index, (file, title, icon, path) in enumerate(PAGE_SPECS)
}
PAGES = list(PAGES_BY_FILE.values())

# Sign-in gate. Navigation is built first (hidden while signed out) so that a deep link such
# as /customer?id=5 keeps its page and lands there after sign-in; nothing else runs before it.
actor = auth_ui.signed_in_actor()
auth_ui.hide_forbidden_pages(PAGES, actor)
navigation = st.navigation(PAGES, position="sidebar" if actor else "hidden")
auth_ui.mark_app_ran()
if actor is None:
    auth_ui.sign_in_page()
    st.stop()
auth_ui.account_sidebar(actor)
if deep_link := auth_ui.pop_deep_link():  # a page asked for before app.py had first run
    page_file, query = deep_link
    if page_file in PAGES_BY_FILE:
        st.switch_page(PAGES_BY_FILE[page_file], query_params=query)
with database_errors_shown():
    navigation.run()
