"""Project conventions turned into checks: layering, lint, and documented commands and settings."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_package_never_imports_streamlit_outside_its_ui_folder() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "c360").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "c360").parts[:1] and "streamlit" in _imports(p)
    ]
    assert offenders == []


def test_pages_never_talk_to_the_database_directly() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
        if {"sqlalchemy", "psycopg", "sqlite3"} & _imports(p)
    ]
    assert offenders == []


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_the_code_passes_ruff() -> None:
    result = subprocess.run(
        ["ruff", "check", "--no-cache", "app.py", "pages", "c360", "tests", "migrations/env.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_command_line_command_is_documented_in_the_readme() -> None:
    from c360.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    missing = [name for name in subparsers.choices if f"python -m c360 {name}" not in readme]
    assert missing == []


def test_every_environment_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used: set[str] = set()
    for path in [ROOT / "app.py", *(ROOT / "c360").rglob("*.py")]:
        used.update(re.findall(r"\bC360_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert sorted(name for name in used if name not in readme) == []


def test_the_command_line_starts_and_lists_its_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "c360", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "db" in result.stdout


def test_every_core_module_imports_on_its_own() -> None:
    """Each module imported first, in a fresh interpreter: no import cycle hides behind order."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "c360").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "c360").parts[:1] and p.name != "__main__.py"
    )
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {modules!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'c360' or m.startswith('c360.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as exc:\n"
        "        failed.append(f'{name}: {exc}')\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
