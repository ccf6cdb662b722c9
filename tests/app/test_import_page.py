"""The Import data page: check an uploaded file, see every bad row, then load it (admins only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from c360.db import make_engine, session_factory
from c360.migrate import upgrade
from c360.models import ActivityLog, Customer, StaffRole
from c360.permissions import Actor
from tests import factories

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "import_data.py")
BAD = b"external_id,name,email\nC1,Ada,ada@example.com\nC2,,bob@example.com\nC3,Cy,not-an-email\n"
GOOD = b"external_id,name,email\nC1,Ada,ada@example.com\nC2,Bob,bob@example.com\n"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A migrated SQLite database that the page's engine() points at."""
    url = f"sqlite:///{tmp_path / 'page.sqlite3'}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    return engine


def actor(engine: Engine, role: StaffRole) -> Actor:
    """A stored staff member of ``role``."""
    with session_factory(engine)() as session:
        user = factories.staff(session, role)
        session.commit()
        return factories.actor_of(user)


def page(signed_in: Actor) -> AppTest:
    """The page, run once for ``signed_in``."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["actor"] = signed_in
    return at.run()


def customers(engine: Engine) -> int:
    """How many customers are stored."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Customer)).scalar_one()


def test_an_admin_sees_every_bad_row_then_checks_and_loads_a_clean_file(database: Engine) -> None:
    at = page(actor(database, StaffRole.ADMIN))
    at.selectbox(key="import_kind").set_value("customers")
    at.file_uploader[0].set_value(("customers.csv", BAD, "text/csv"))
    at.run()
    at.button[0].click().run()  # Check (dry run)

    assert "2 bad rows: nothing was written" in at.error[0].value
    problems = at.dataframe[-1].value
    assert list(problems["line"]) == [3, 4]
    assert list(problems["problem"]) == [
        "name: empty",
        "email: 'not-an-email' is not an e-mail address",
    ]
    assert customers(database) == 0

    at.file_uploader[0].set_value(("customers.csv", GOOD, "text/csv"))
    at.run()
    at.button[0].click().run()
    assert "2 would be inserted" in at.info[0].value and customers(database) == 0

    at.button[1].click().run()  # Load
    assert "2 inserted" in at.success[0].value
    assert customers(database) == 2
    with database.connect() as conn:
        assert (
            conn.execute(select(ActivityLog.summary))
            .scalar_one()
            .endswith("from customers.csv: 2 inserted, 0 updated, 0 unchanged")
        )


def test_the_page_applies_the_column_mapping(database: Engine) -> None:
    at = page(actor(database, StaffRole.ADMIN))
    at.file_uploader[0].set_value(("c.csv", b"Id,Full name\nC9,Grace\n", "text/csv"))
    at.text_area[0].set_value("Id=external_id\nFull name=name")
    at.run()
    at.button[1].click().run()

    assert "1 inserted" in at.success[0].value
    assert customers(database) == 1


@pytest.mark.parametrize("role", [StaffRole.MANAGER, StaffRole.ACCOUNT_MANAGER, StaffRole.ANALYST])
def test_staff_without_the_import_permission_are_denied(database: Engine, role: StaffRole) -> None:
    at = page(actor(database, role))

    assert "Access denied" in at.error[0].value
    assert len(at.file_uploader) == 0
