"""Shared fixtures: real SQLite always, real PostgreSQL when C360_TEST_DATABASE_URL is set.

Each pytest process gets its own PostgreSQL database (created from the server in
C360_TEST_DATABASE_URL, dropped at the end), so parallel runs never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from c360 import migrate
from c360.db import make_engine, normalise_url, session_factory
from c360.models import Base, StaffRole
from c360.permissions import Actor
from tests import factories

PG_URL = os.environ.get("C360_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL tests when no server is configured (CI always configures one)."""
    if PG_URL:
        return
    if os.environ.get("C360_REQUIRE_POSTGRES"):
        raise pytest.UsageError("C360_REQUIRE_POSTGRES is set but C360_TEST_DATABASE_URL is not")
    skip = pytest.mark.skip(reason="C360_TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test that needs a fresh database."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A migrated PostgreSQL database private to this test process."""
    assert PG_URL, "C360_TEST_DATABASE_URL is not set"
    server = make_url(normalise_url(PG_URL))
    name = f"c360_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty, migrated database: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        path = tmp_path / "c360.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
    else:
        eng = make_engine(request.getfixturevalue("pg_database"))
        _truncate_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on an empty PostgreSQL database (skipped without a server)."""
    if not PG_URL:
        pytest.skip("C360_TEST_DATABASE_URL is not set")
    eng = make_engine(request.getfixturevalue("pg_database"))
    _truncate_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on ``engine``; tests commit what they want other code to see."""
    with session_factory(engine)() as s:
        yield s


@pytest.fixture
def actors(engine: Engine) -> dict[StaffRole, Actor]:
    """One staff member of every role, stored in the database."""
    with session_factory(engine)() as s:
        made = {role: factories.staff(s, role) for role in StaffRole}
        s.commit()
        return {role: factories.actor_of(user) for role, user in made.items()}
