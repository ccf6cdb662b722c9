"""When the database is unreachable the app shows one clear message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from c360.models import StaffRole
from c360.permissions import Actor
from tests.app import with_absolute_pages
from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _lost_write() -> None:
    import streamlit as st

    from c360.errors import DatabaseUnavailable
    from c360.ui.errors import database_errors_shown

    with database_errors_shown():
        st.write("before the write")
        raise DatabaseUnavailable("The database cannot be reached just now; nothing was saved.")
    st.write("never reached")


def _lost_read() -> None:
    import streamlit as st
    from sqlalchemy import text

    from c360.db import make_engine
    from c360.ui.errors import database_errors_shown

    engine = make_engine("postgresql://postgres@127.0.0.1:1/nowhere")
    with database_errors_shown(), engine.connect() as conn:
        st.write(conn.execute(text("SELECT 1")).scalar())


def test_a_lost_write_shows_the_message_and_stops_the_page() -> None:
    at = AppTest.from_function(_lost_write).run()
    assert not at.exception
    assert "nothing was saved" in at.error[0].value
    assert [m.value for m in at.markdown] == ["before the write"]


def test_a_read_that_cannot_connect_shows_the_same_kind_of_message() -> None:
    at = AppTest.from_function(_lost_read).run()
    assert not at.exception
    assert "cannot be reached" in at.error[0].value


def test_the_whole_app_on_an_unreachable_database_shows_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    script = tmp_path / "app.py"
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    script.write_text(with_absolute_pages(source), "utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.session_state["actor"] = Actor(id=1, name="A", email="a@example.com", role=StaffRole.ADMIN)
    at.run()
    assert not at.exception
    assert any("cannot be reached" in e.value for e in at.error)


def _pool_exhausted() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from c360.ui.errors import database_errors_shown

    with database_errors_shown():
        raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached")


def test_an_exhausted_connection_pool_shows_a_busy_message_not_a_traceback() -> None:
    at = AppTest.from_function(_pool_exhausted).run()
    assert not at.exception
    assert "busy" in at.error[0].value
