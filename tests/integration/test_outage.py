"""The database going away mid-session: a clear message, nothing half-written, recovery by itself.

Never stops the shared PostgreSQL server: these tests end the connections of this run's own
test database (``pg_terminate_backend``) or point an engine at a port nobody listens on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text

from c360 import actions, notes
from c360.db import make_engine, session_factory, transaction
from c360.errors import DatabaseUnavailable
from c360.models import ActivityLog, CustomerNote, LoyaltyAccount, LoyaltyTransaction, StaffRole
from c360.permissions import Actor
from tests import factories
from tests.e2e.conftest import free_port


@pytest.fixture
def admin_connection(pg_engine: Engine) -> Iterator[Callable[[str], None]]:
    """Run SQL on the test database from outside the engine under test."""
    side = create_engine(pg_engine.url, isolation_level="AUTOCOMMIT", poolclass=None)
    yield lambda sql: side.connect().execute(text(sql)).close()
    side.dispose()


@pytest.fixture
def pg_actors(pg_engine: Engine) -> dict[StaffRole, Actor]:
    with session_factory(pg_engine)() as s:
        made = {role: factories.staff(s, role) for role in StaffRole}
        s.commit()
        return {role: factories.actor_of(user) for role, user in made.items()}


def _customer(engine: Engine) -> int:
    with transaction(engine) as s:
        c = factories.customer(s, name="Outage Customer")
        s.add(
            LoyaltyAccount(
                customer_id=c.id, points_balance=100, lifetime_points=100, referral_code="OUT1"
            )
        )
        return c.id


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _kill_before(engine: Engine, statement_start: str, kill: Callable[[int], None]) -> None:
    """Terminate this engine's connection just before it runs ``statement_start`` (once)."""

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(statement_start.upper()):
            event.remove(engine, "before_cursor_execute", before)
            kill(conn.connection.dbapi_connection.info.backend_pid)

    event.listen(engine, "before_cursor_execute", before)


@pytest.mark.postgres
def test_a_note_cut_off_before_its_audit_row_raises_a_clear_error_and_writes_nothing(
    pg_engine: Engine, pg_actors: dict[StaffRole, Actor], admin_connection: Callable[[str], None]
) -> None:
    customer_id = _customer(pg_engine)
    am = pg_actors[StaffRole.ACCOUNT_MANAGER]
    before = (_count(pg_engine, CustomerNote), _count(pg_engine, ActivityLog))
    _kill_before(
        pg_engine,
        "INSERT INTO activity_log",
        lambda pid: admin_connection(f"SELECT pg_terminate_backend({pid})"),
    )
    with pytest.raises(DatabaseUnavailable) as lost:
        notes.add_note(am, pg_engine, customer_id, "Written while the database went away")
    assert "nothing was saved" in str(lost.value)
    # The note row had been sent, the audit row had not: neither is stored.
    assert (_count(pg_engine, CustomerNote), _count(pg_engine, ActivityLog)) == before
    # The very next call succeeds by itself (the pool drops the dead connection).
    notes.add_note(am, pg_engine, customer_id, "After the outage")
    assert _count(pg_engine, CustomerNote) == before[0] + 1


@pytest.mark.postgres
def test_a_points_adjustment_cut_off_leaves_balance_and_ledger_untouched(
    pg_engine: Engine, pg_actors: dict[StaffRole, Actor], admin_connection: Callable[[str], None]
) -> None:
    customer_id = _customer(pg_engine)
    am = pg_actors[StaffRole.ACCOUNT_MANAGER]
    _kill_before(
        pg_engine,
        "INSERT INTO activity_log",
        lambda pid: admin_connection(f"SELECT pg_terminate_backend({pid})"),
    )
    with pytest.raises(DatabaseUnavailable):
        actions.adjust_points(am, pg_engine, customer_id, 250, "goodwill")
    with session_factory(pg_engine)() as s:
        assert s.scalar(select(LoyaltyAccount.points_balance)) == 100
    assert _count(pg_engine, LoyaltyTransaction) == 0
    actions.adjust_points(am, pg_engine, customer_id, 250, "goodwill")
    with session_factory(pg_engine)() as s:
        assert s.scalar(select(LoyaltyAccount.points_balance)) == 350


@pytest.mark.postgres
def test_every_connection_killed_between_calls_is_recovered_without_an_error(
    pg_engine: Engine, pg_actors: dict[StaffRole, Actor], admin_connection: Callable[[str], None]
) -> None:
    customer_id = _customer(pg_engine)
    am = pg_actors[StaffRole.ACCOUNT_MANAGER]
    # Fill the pool with several idle connections, then end them all (as a server restart would).
    held = [pg_engine.connect() for _ in range(4)]
    for conn in held:
        conn.close()
    database = pg_engine.url.database
    admin_connection(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    )
    for n in range(5):  # every pooled connection is checked (pool_pre_ping) and replaced
        notes.add_note(am, pg_engine, customer_id, f"note {n}")
    assert _count(pg_engine, CustomerNote) == 5


def test_an_unreachable_database_gives_the_user_a_clear_message_and_no_traceback() -> None:
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    actor = Actor(id=1, name="A", email="a@example.com", role=StaffRole.ADMIN)
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot be reached.*nothing was saved"):
            notes.add_note(actor, engine, 1, "hello")
    finally:
        engine.dispose()
