"""Turning a lost database into a clear message on screen instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from c360.errors import DatabaseUnavailable

BUSY_MESSAGE = (
    "The app is busy: no database connection came free in time; nothing was saved. "
    "Try again in a moment."
)
UNAVAILABLE_MESSAGE = (
    "The database cannot be reached just now; nothing was saved. "
    "Try again shortly — the app reconnects by itself."
)


@contextmanager
def database_errors_shown() -> Iterator[None]:
    """Run a page; if the database is unreachable, show ``st.error`` and stop the run."""
    try:
        yield
    except DatabaseUnavailable as exc:
        st.error(str(exc))
        st.stop()
    except PoolTimeout:
        # Every pooled connection stayed in use for the pool's whole wait (heavy load).
        st.error(BUSY_MESSAGE)
        st.stop()
    except DBAPIError as exc:
        # Reads that bypass c360.db.transaction surface the driver's error directly.
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            st.error(UNAVAILABLE_MESSAGE)
            st.stop()
        raise
