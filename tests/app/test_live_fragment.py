"""The live fragment reruns the page when the customer's data changed, and not while editing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from c360.db import make_engine, session_factory
from c360.migrate import upgrade
from c360.models import Customer
from tests import factories

SCRIPT = """
import streamlit as st
from c360.db import get_engine
from c360.ui.live import live_updates
st.session_state["runs"] = st.session_state.get("runs", 0) + 1
live_updates(get_engine(), {cid})
"""


@pytest.fixture
def customer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, int]:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as s:
        cid = factories.customer(s, name="Liv Fragment").id
        s.commit()
    return engine, cid


def _new_order(engine: Engine, cid: int) -> None:
    with session_factory(engine)() as s:
        factories.order(s, s.get(Customer, cid))
        s.commit()


def test_a_change_reruns_the_whole_page_once(customer):
    engine, cid = customer
    at = AppTest.from_string(SCRIPT.format(cid=cid), default_timeout=30).run()
    at.run()
    assert at.session_state["runs"] == 2  # nothing changed: no extra run
    _new_order(engine, cid)
    at.run()
    assert at.session_state["runs"] == 4  # this run saw the change and asked for one more
    assert any("Live" in c.value for c in at.caption)


def test_no_rerun_while_a_dialog_is_open_then_it_catches_up(customer):
    engine, cid = customer
    at = AppTest.from_string(SCRIPT.format(cid=cid), default_timeout=30).run()
    at.session_state["c360_open_action"] = (cid, "note")
    _new_order(engine, cid)
    at.run()
    assert at.session_state["runs"] == 2
    assert any("paused" in c.value for c in at.caption)
    del at.session_state["c360_open_action"]
    at.run()
    assert at.session_state["runs"] == 4
