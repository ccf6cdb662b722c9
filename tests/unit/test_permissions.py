"""The one permission table, how it is enforced, and the conventions that keep it enforced."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from c360.errors import PermissionDenied
from c360.models import StaffRole
from c360.permissions import (
    PERMISSIONS,
    SERVICE_FUNCTIONS,
    Actor,
    Permission,
    require,
    requires,
)

ROOT = Path(__file__).resolve().parents[2]
ROLES_LOW_TO_HIGH = [
    StaffRole.ANALYST,
    StaffRole.ACCOUNT_MANAGER,
    StaffRole.MANAGER,
    StaffRole.ADMIN,
]
# Public functions that write an audit row without @requires, and why that is right.
SYSTEM_WRITERS = {
    "export/common.py:record_export": "helper called only by the @requires export functions",
    "ingest/service.py:import_csv": "operators' CLI import; staff go through @requires import_as",
    "staff.py:create_staff_from_command_line": "operators' CLI (first admin); staff use the page",
    "outbox.py:send_waiting": "operators' CLI / scheduler; sends what staff already queued",
}


def _actor(role: StaffRole) -> Actor:
    return Actor(id=1, name="Test", email="t@example.com", role=role)


def test_each_role_holds_every_permission_of_the_role_below_it() -> None:
    for lower, higher in zip(ROLES_LOW_TO_HIGH, ROLES_LOW_TO_HIGH[1:], strict=False):
        assert PERMISSIONS[lower] < PERMISSIONS[higher], f"{higher} lacks what {lower} has"


def test_the_table_is_the_one_the_issue_describes() -> None:
    analyst = {Permission.VIEW_CUSTOMERS, Permission.COMPARE, Permission.EXPORT}
    assert analyst <= PERMISSIONS[StaffRole.ANALYST]
    assert Permission.ACT_ON_CUSTOMERS not in PERMISSIONS[StaffRole.ANALYST]
    assert Permission.ACT_ON_CUSTOMERS in PERMISSIONS[StaffRole.ACCOUNT_MANAGER]
    for manager_only in (Permission.MANAGE_SEGMENTS, Permission.MANAGE_TAGS, Permission.VIEW_AUDIT):
        assert manager_only not in PERMISSIONS[StaffRole.ACCOUNT_MANAGER]
        assert manager_only in PERMISSIONS[StaffRole.MANAGER]
    for admin_only in (Permission.MANAGE_STAFF, Permission.MANAGE_SCORING, Permission.IMPORT_DATA):
        assert admin_only not in PERMISSIONS[StaffRole.MANAGER]
    assert PERMISSIONS[StaffRole.ADMIN] == frozenset(Permission)


def test_require_refuses_the_signed_out_and_names_the_role_and_the_action() -> None:
    with pytest.raises(PermissionDenied, match="sign in"):
        require(None, Permission.VIEW_CUSTOMERS)
    with pytest.raises(PermissionDenied, match="analyst role cannot manage staff"):
        require(_actor(StaffRole.ANALYST), Permission.MANAGE_STAFF)
    assert require(_actor(StaffRole.ADMIN), Permission.MANAGE_STAFF).role == StaffRole.ADMIN


def test_the_decorator_checks_before_the_body_runs_and_accepts_actor_by_keyword(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The decorator registers what it wraps; this throwaway function must not outlive the test.
    monkeypatch.setattr("c360.permissions.SERVICE_FUNCTIONS", dict(SERVICE_FUNCTIONS))
    ran: list[str] = []

    @requires(Permission.MANAGE_TAGS)
    def rename(actor: Actor, name: str) -> str:
        ran.append(name)
        return name

    with pytest.raises(PermissionDenied):
        rename(_actor(StaffRole.ACCOUNT_MANAGER), "vip")
    with pytest.raises(PermissionDenied):
        rename(actor=_actor(StaffRole.ANALYST), name="vip")
    assert ran == []
    assert rename(actor=_actor(StaffRole.MANAGER), name="vip") == "vip"
    assert rename.required_permission == Permission.MANAGE_TAGS


def _public_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def test_every_public_function_that_writes_an_audit_row_checks_a_permission() -> None:
    unchecked = []
    for path in sorted((ROOT / "c360").rglob("*.py")):
        rel = path.relative_to(ROOT / "c360")
        if rel.parts[0] in {"ui", "models", "demo"} or rel.name == "audit.py":
            continue  # the Streamlit layer, the schema, the demo generator, the helper itself
        for fn in _public_functions(path):
            calls = {ast.unparse(n.func) for n in ast.walk(fn) if isinstance(n, ast.Call)}
            audits = any(c in {"record", "record_export"} or c.endswith(".record") for c in calls)
            checked = any("requires" in ast.unparse(d) for d in fn.decorator_list) or any(
                c in {"require", "permissions.require"} for c in calls
            )
            if audits and not checked and f"{rel}:{fn.name}" not in SYSTEM_WRITERS:
                unchecked.append(f"c360/{rel}:{fn.name}")
    assert unchecked == []


def test_every_page_gates_itself_with_require_actor() -> None:
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert pages
    ungated = [p.name for p in pages if "require_actor(" not in p.read_text(encoding="utf-8")]
    assert ungated == []


def test_every_page_named_in_app_py_exists_in_pages() -> None:
    specs = re.findall(r'^\s*\("(\w+\.py)",', (ROOT / "app.py").read_text(encoding="utf-8"), re.M)
    listed = [f"pages/{name}" for name in specs]
    assert "pages/audit.py" in listed and "pages/admin_staff.py" in listed
    assert [p for p in listed if not (ROOT / p).is_file()] == []


def test_pages_a_role_cannot_open_are_hidden_from_its_menu() -> None:
    from c360.ui.auth import hide_forbidden_pages, page_permission

    audit = SimpleNamespace(_page=ROOT / "pages" / "audit.py", _visibility="visible")
    staff = SimpleNamespace(_page=ROOT / "pages" / "admin_staff.py", _visibility="visible")
    home = SimpleNamespace(_page=ROOT / "pages" / "home.py", _visibility="visible")
    assert page_permission(audit) == Permission.VIEW_AUDIT
    assert page_permission(staff) == Permission.MANAGE_STAFF
    pages = [home, audit, staff]
    shown = {}
    for role in StaffRole:
        hide_forbidden_pages(pages, _actor(role))
        shown[role] = [p._page.stem for p in pages if p._visibility == "visible"]
    assert shown[StaffRole.ANALYST] == ["home"]
    assert shown[StaffRole.ACCOUNT_MANAGER] == ["home"]
    assert shown[StaffRole.MANAGER] == ["home", "audit"]
    assert shown[StaffRole.ADMIN] == ["home", "audit", "admin_staff"]
    hide_forbidden_pages(pages, None)
    assert all(p._visibility == "hidden" for p in pages)


def test_the_readme_documents_the_permission_table_as_built() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Roles and permissions", 1)[1].split("\n## ", 1)[0]
    for permission in Permission:
        row = next(
            (line for line in section.splitlines() if line.startswith(f"| `{permission.value}`")),
            None,
        )
        assert row is not None, f"{permission.value} is not in the README table"
        marks = [cell.strip() == "✓" for cell in row.strip("|").split("|")[2:6]]
        expected = [permission in PERMISSIONS[role] for role in ROLES_LOW_TO_HIGH]
        assert marks == expected, f"README row for {permission.value} differs from the code"
