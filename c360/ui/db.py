"""The engine pages use: one pool per database URL per server process."""

from __future__ import annotations

from sqlalchemy import Engine

from c360.db import get_engine


def engine() -> Engine:
    """The engine of the database configured by C360_DATABASE_URL (pooled, shared)."""
    return get_engine()
