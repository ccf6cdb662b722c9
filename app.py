"""Customer 360 entry point: page config, navigation over pages/, shared sidebar."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Customer 360", page_icon="🧭", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", url_path="home", default=True),
]

navigation = st.navigation(PAGES)
navigation.run()
