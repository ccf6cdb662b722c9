"""The README documents every importable kind and every column of each."""

from __future__ import annotations

import re
from pathlib import Path

from c360.ingest import KINDS

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}")
    following = text.find("\n## ", start + 1)
    return text[start : following if following != -1 else len(text)]


def test_every_kind_and_column_is_documented_with_its_required_marking() -> None:
    section = _section(README.read_text(encoding="utf-8"), "Importing data")
    for kind in KINDS.values():
        table = section.split(f"**{kind.name}** — key", 1)[1].split("\n\n**", 1)[0]
        names = {
            name: bold
            for bold, name in re.findall(r"^\| (\*\*)?`([a-z_]+)`", table, flags=re.MULTILINE)
        }
        assert set(names) == set(kind.column_map), kind.name
        required = {name for name, bold in names.items() if bold}
        assert required == set(kind.required), kind.name
