"""Shared set-up for the search, compare, segments and portfolio AppTests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from c360.db import make_engine, session_factory
from c360.migrate import upgrade
from c360.models import StaffRole
from c360.permissions import Actor
from tests import factories
from tests.app import with_absolute_pages

ROOT = Path(__file__).resolve().parents[2]


def app_copy(tmp_path: Path) -> Path:
    """app.py copied away from pages/ with absolute page paths (see tests/app/test_auth_gate.py)."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    copy = tmp_path / "app.py"
    copy.write_text(with_absolute_pages(source), encoding="utf-8")
    return copy


def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """An empty migrated SQLite database that the app under test reads."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    monkeypatch.setenv("C360_DEMO", "off")
    engine = make_engine(url)
    upgrade(engine)
    return engine


def actor(engine: Engine, role: StaffRole) -> Actor:
    """A stored staff member of ``role``."""
    with session_factory(engine)() as s:
        user = factories.staff(s, role)
        s.commit()
        return factories.actor_of(user)


def open_page(script: Path, who: Actor, page: str, query: dict[str, str] | None = None) -> AppTest:
    """Run the app signed in as ``who`` on ``pages/<page>`` with ``query`` in the URL."""
    at = AppTest.from_file(str(script), default_timeout=60)
    at.session_state["actor"] = who
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(str(ROOT / "pages" / page))
    return at.run()


def texts(at: AppTest) -> str:
    """Every visible text element, joined."""
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [t.value for t in at.title] + [s.value for s in at.subheader]
    parts += [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def plotly_specs(at: AppTest) -> list[dict]:
    """The figure JSON of every plotly chart on the page."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
