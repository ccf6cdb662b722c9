"""Every registered service function × every role: denied → PermissionDenied and nothing written.

The registry (``c360.permissions.SERVICE_FUNCTIONS``) fills as modules are imported, so every
module of the package is imported first. The check runs on SQLite: the decorator refuses
before the function body runs, whatever the database.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import c360
from c360.db import make_engine, session_factory
from c360.errors import PermissionDenied
from c360.models import Base, StaffRole
from c360.permissions import PERMISSIONS, SERVICE_FUNCTIONS, Actor, Permission
from tests import factories


def import_every_module() -> None:
    """Import the whole package (except the CLI entry and the Streamlit layer)."""
    for info in pkgutil.walk_packages(c360.__path__, "c360."):
        if info.name.endswith("__main__") or info.name.startswith("c360.ui"):
            continue
        importlib.import_module(info.name)


import_every_module()

# The permission each known service function must ask for: the permission table as built.
EXPECTED = {
    "c360.staff.list_staff": Permission.MANAGE_STAFF,
    "c360.staff.create_staff": Permission.MANAGE_STAFF,
    "c360.staff.set_staff_active": Permission.MANAGE_STAFF,
    "c360.staff.change_role": Permission.MANAGE_STAFF,
    "c360.staff.reset_password": Permission.MANAGE_STAFF,
    "c360.audit_query.audit_log": Permission.VIEW_AUDIT,
    "c360.audit_query.audit_actions": Permission.VIEW_AUDIT,
    "c360.audit_query.audit_actors": Permission.VIEW_AUDIT,
    "c360.search.search_customers": Permission.VIEW_CUSTOMERS,
    "c360.compare.compare_customers": Permission.COMPARE,
    "c360.portfolio.portfolio_overview": Permission.VIEW_PORTFOLIO,
    "c360.actions.preview_email": Permission.ACT_ON_CUSTOMERS,
    "c360.notes.list_notes": Permission.VIEW_CUSTOMERS,
    "c360.notes.add_note": Permission.ACT_ON_CUSTOMERS,
    "c360.notes.edit_note": Permission.ACT_ON_CUSTOMERS,
    "c360.notes.delete_note": Permission.ACT_ON_CUSTOMERS,
    "c360.tags.assign_tag": Permission.ACT_ON_CUSTOMERS,
    "c360.tags.remove_tag": Permission.ACT_ON_CUSTOMERS,
    "c360.tags.create_tag": Permission.MANAGE_TAGS,
    "c360.tags.update_tag": Permission.MANAGE_TAGS,
    "c360.tags.delete_tag": Permission.MANAGE_TAGS,
    "c360.actions.send_email": Permission.ACT_ON_CUSTOMERS,
    "c360.actions.create_ticket": Permission.ACT_ON_CUSTOMERS,
    "c360.actions.adjust_points": Permission.ACT_ON_CUSTOMERS,
    "c360.segments.service.create_segment": Permission.MANAGE_SEGMENTS,
    "c360.segments.service.update_segment": Permission.MANAGE_SEGMENTS,
    "c360.segments.service.delete_segment": Permission.MANAGE_SEGMENTS,
    "c360.segments.service.add_customer_to_segment": Permission.ACT_ON_CUSTOMERS,
    "c360.segments.service.remove_customer_from_segment": Permission.ACT_ON_CUSTOMERS,
    "c360.export.csv.export_csv": Permission.EXPORT,
    "c360.export.pdf.export_pdf": Permission.EXPORT,
    "c360.ingest.service.import_as": Permission.IMPORT_DATA,
    "c360.scoring.weights.set_health_weights": Permission.MANAGE_SCORING,
}
LANDED = {name: perm for name, perm in EXPECTED.items() if name in SERVICE_FUNCTIONS}


def test_the_registry_holds_the_service_functions_of_every_area() -> None:
    areas = {name.split(".")[1] for name in SERVICE_FUNCTIONS}
    assert {"staff", "audit_query"} <= areas
    assert len(SERVICE_FUNCTIONS) >= len(EXPECTED) - 5  # a few may still be on their way
    missing = sorted(set(EXPECTED) - set(SERVICE_FUNCTIONS))
    assert len(missing) <= 5, f"not registered: {missing}"


@pytest.mark.parametrize("name", sorted(LANDED))
def test_each_known_service_function_asks_for_the_permission_of_the_table(name: str) -> None:
    assert SERVICE_FUNCTIONS[name].required_permission == EXPECTED[name]


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh migrated SQLite database with one customer."""
    path = tmp_path / "matrix.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def _row_counts(engine: Engine) -> dict[str, int]:
    with session_factory(engine)() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def _call(fn, actor: Actor, engine: Engine) -> Exception | None:  # type: ignore[no-untyped-def]
    """Call ``fn`` as ``actor`` with whatever of (session, engine) it takes; return its error."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    with session_factory(engine)() as session:
        args = []
        for p in params:
            if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                break
            if p.name == "session":
                args.append(session)
            elif p.name in {"engine", "engine_or_session"}:
                args.append(engine)
            else:
                break  # the remaining arguments are the function's own business
        try:
            fn(actor, *args)
        except Exception as exc:  # the test inspects whatever was raised
            session.rollback()
            return exc
        session.rollback()
    return None


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda r: r.value)
@pytest.mark.parametrize("name", sorted(SERVICE_FUNCTIONS))
def test_every_service_function_refuses_roles_without_its_permission_and_writes_nothing(
    name: str, role: StaffRole, sqlite_engine: Engine
) -> None:
    fn = SERVICE_FUNCTIONS[name]
    with session_factory(sqlite_engine)() as s:
        actor = factories.actor_of(factories.staff(s, role))
        factories.customer(s)
        s.commit()
    allowed = fn.required_permission in PERMISSIONS[role]
    before = _row_counts(sqlite_engine)
    error = _call(fn, actor, sqlite_engine)
    if allowed:
        assert not isinstance(error, PermissionDenied), f"{role} was refused {name}: {error}"
    else:
        assert isinstance(error, PermissionDenied), f"{role} was let into {name}: {error!r}"
        assert "Access denied" in str(error)
        assert _row_counts(sqlite_engine) == before


@pytest.mark.parametrize("name", sorted(SERVICE_FUNCTIONS))
def test_no_service_function_runs_for_a_signed_out_caller(name: str) -> None:
    with pytest.raises(PermissionDenied, match="sign in"):
        SERVICE_FUNCTIONS[name](None)
