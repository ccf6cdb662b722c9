"""Streamlit AppTest tests of the pages and of app.py."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE_PATH = 'f"pages/'


def with_absolute_pages(app_source: str) -> str:
    """app.py's source with its page paths made absolute, to run a copy away from pages/.

    Next to a pages/ folder AppTest treats the files there as old-style pages and, from the
    second run on, runs the last page directly instead of app.py, which skips the gate.
    """
    if PAGE_PATH not in app_source:
        raise AssertionError(f"app.py no longer names its pages as {PAGE_PATH}…")
    return app_source.replace(PAGE_PATH, f'f"{ROOT}/pages/')
