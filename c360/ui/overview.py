"""The home page's data, cached briefly: its monthly series scan the recent orders."""

from __future__ import annotations

import streamlit as st

from c360 import overview
from c360.config import get_settings
from c360.db import get_engine, session_factory


@st.cache_data(ttl=60, show_spinner=False)
def _overview(database_url: str) -> overview.Overview:
    with session_factory(get_engine(database_url))() as session:
        return overview.overview(session)


def cached_overview() -> overview.Overview:
    """Counts and monthly series of the configured database (at most a minute old)."""
    return _overview(get_settings().database_url)
