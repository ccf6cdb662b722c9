"""``python -m c360 staff add``: a first admin with a typed password, never a default one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from c360 import auth
from c360.db import make_engine, session_factory
from c360.migrate import upgrade
from c360.models import ActivityLog

ROOT = Path(__file__).resolve().parents[2]


def _run(url: str, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c360", "staff", "add", *args],
        cwd=ROOT,
        env={"C360_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_first_admin_is_created_with_the_password_given_and_can_sign_in(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    result = _run(url, "Root@Example.com", "--name", "Root", stdin="a-very-long-secret\n")
    assert result.returncode == 0, result.stderr
    assert "created admin account root@example.com" in result.stdout
    signed = auth.attempt_sign_in(engine, "root@example.com", "a-very-long-secret")
    assert signed.actor.role.value == "admin"
    with session_factory(engine)() as s:
        row = s.query(ActivityLog).filter_by(action="staff.created").one()
        assert row.actor_id is None  # the system, at the command line


def test_a_short_or_empty_password_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    for password in ["", "demo"]:
        result = _run(url, "root@example.com", "--name", "Root", stdin=f"{password}\n")
        assert result.returncode == 2
        assert "at least 10 characters" in result.stderr
    with session_factory(engine)() as s:
        assert s.query(ActivityLog).count() == 0
