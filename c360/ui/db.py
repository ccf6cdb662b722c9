"""The process-wide engine for pages (one pool per server process)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from c360.db import get_engine


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The engine of the configured database, shared by every session of this server."""
    return get_engine()
