"""The audit log is append-only: no code in the app can change or remove an audit row."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import c360.audit
import c360.audit_query

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "c360").rglob("*.py")]
# The demo loader may wipe ALL data on an explicit ``demo --reset``; it is not a way to edit
# the audit trail from the app, and it empties every table alike.
EXEMPT = {ROOT / "c360" / "demo" / "loader.py", ROOT / "c360" / "commands" / "demo.py"}

ORM_WRITE = re.compile(r"\b(update|delete)\(\s*(?:\w+\.)?ActivityLog\b")
SQL_WRITE = re.compile(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE)\s+\"?activity_log\b", re.IGNORECASE)
TABLE_WRITE = re.compile(r"ActivityLog\.__table__\.(update|delete)\(")


def test_no_module_or_page_updates_or_deletes_audit_rows() -> None:
    offenders = []
    for path in SOURCES:
        if path in EXEMPT:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (ORM_WRITE, SQL_WRITE, TABLE_WRITE):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_no_code_deletes_an_activity_log_object_through_the_session() -> None:
    offenders = []
    for path in SOURCES:
        if path in EXEMPT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(".delete"):
                args = " ".join(ast.unparse(a) for a in node.args)
                if re.search(r"activity|audit|log_row|entry", args, re.IGNORECASE):
                    offenders.append(f"{path.relative_to(ROOT)}: {ast.unparse(node)}")
    assert offenders == []


def test_the_audit_modules_offer_only_append_and_read() -> None:
    public = {
        name
        for module in (c360.audit, c360.audit_query)
        for name, value in vars(module).items()
        if callable(value) and not name.startswith("_") and value.__module__ == module.__name__
    }
    assert public == {
        "record",
        "audit_log",
        "audit_actions",
        "audit_actors",
        "AuditFilter",
        "AuditEntry",
        "AuditPage",
    }


def test_the_patterns_catch_the_ways_a_row_could_be_changed() -> None:
    assert ORM_WRITE.search("session.execute(delete(ActivityLog).where(x))")
    assert ORM_WRITE.search("update(m.ActivityLog).values(summary='')")
    assert SQL_WRITE.search('text("DELETE FROM activity_log WHERE id = 1")')
    assert SQL_WRITE.search("UPDATE activity_log SET summary = ''")
    assert not SQL_WRITE.search("SELECT * FROM activity_log")
