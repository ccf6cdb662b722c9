"""Prepare the database once per server process, and tell the user when demo data arrived."""

from __future__ import annotations

import streamlit as st

from c360.bootstrap import ensure_database
from c360.config import get_settings
from c360.db import get_engine


@st.cache_resource(show_spinner="Preparing the database (first start)…")
def _prepared(database_url: str) -> dict[str, str | None]:
    # A mutable holder, so only the first browser session shows the message.
    return {"message": ensure_database(get_engine(database_url))}


def ensure_database_ready() -> None:
    """Migrate (and on first start fill) the configured database; toast what happened."""
    outcome = _prepared(get_settings().database_url)
    message = outcome.pop("message", None)
    if message:
        st.toast(message, icon="🧪")
