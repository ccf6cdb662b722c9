"""Settings read from the environment (and Streamlit secrets, via the UI layer)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "c360.sqlite3"


@dataclass(frozen=True)
class Settings:
    """Runtime settings of one process."""

    database_url: str
    smtp_url: str | None
    smtp_sender: str
    demo_mode: bool
    session_minutes: int


def default_database_url() -> str:
    """The embedded SQLite file used when C360_DATABASE_URL is not set."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def get_settings() -> Settings:
    """Read the settings from the environment at call time."""
    return Settings(
        database_url=os.environ.get("C360_DATABASE_URL") or default_database_url(),
        smtp_url=os.environ.get("C360_SMTP_URL") or None,
        smtp_sender=os.environ.get("C360_SMTP_SENDER", "customer360@example.com"),
        demo_mode=os.environ.get("C360_DEMO", "auto") != "off",
        session_minutes=int(os.environ.get("C360_SESSION_MINUTES", "480")),
    )
