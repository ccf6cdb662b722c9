"""The Alembic chain builds, removes and rebuilds the schema, with no drift from the models."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from c360 import migrate
from c360.models import Base


def test_migrations_go_up_down_and_up_again_without_drift(engine: Engine) -> None:
    migrate.check(engine)
    migrate.downgrade(engine, "base")
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.check(engine)
