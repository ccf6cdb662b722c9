"""``python -m c360 import``: the report on stdout and the exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from c360.cli import main
from c360.models import Customer, Order

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Point C360_DATABASE_URL at the test database."""
    monkeypatch.setenv("C360_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def count(engine: Engine, model: type) -> int:
    """Rows of ``model``'s table."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_exit_status_is_0_when_clean_and_1_with_every_bad_row_listed(
    cli_database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "customers.csv"
    good.write_text("external_id,name\nC1,Ada\nC2,Alan\n", encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "Number,customer_external_id,ordered_at,status,total\n"
        "A1,C1,2024-01-01,completed,10\n"
        "A2,C3,2024-01-01,completed,5\n"
        "A3,C2,2024-01-01,done,5\n",
        encoding="utf-8",
    )

    assert main(["import", "customers", str(good), "--dry-run"]) == 0
    assert "2 would be inserted" in capsys.readouterr().out
    assert count(cli_database, Customer) == 0

    assert main(["import", "customers", str(good)]) == 0
    assert "2 inserted" in capsys.readouterr().out

    status = main(["import", "orders", str(orders), "--map", "Number=order_number", "--dry-run"])
    out = capsys.readouterr().out
    assert status == 1
    assert "line 3: customer_external_id 'C3' is not a known customer" in out
    assert "line 4: status: 'done' is not one of" in out

    assert main(["import", "orders", str(orders), "--map", "Number=order_number"]) == 1
    assert "nothing written" in capsys.readouterr().out
    assert count(cli_database, Order) == 0

    fixed = orders.read_text(encoding="utf-8").replace("done", "paid")
    orders.write_text(fixed, encoding="utf-8")
    argv = ["import", "orders", str(orders), "--map", "number=order_number"]
    assert main([*argv, "--create-missing-customers"]) == 0
    out = capsys.readouterr().out
    assert "3 inserted" in out and "1 customers created" in out
    assert (count(cli_database, Order), count(cli_database, Customer)) == (3, 3)


def test_a_missing_file_or_a_malformed_map_is_an_error_with_status_1(
    cli_database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "orders", str(tmp_path / "nope.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "o.csv").write_text("order_number\n", encoding="utf-8")
    assert main(["import", "orders", str(tmp_path / "o.csv"), "--map", "oops"]) == 1
    assert "--map takes SOURCE=TARGET" in capsys.readouterr().err


def test_the_command_runs_as_a_process_with_a_progress_bar_on_stderr(
    cli_database: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("external_id,name\nC1,Ada\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "c360", "import", "customers", str(path)],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "customers from customers.csv: 1 rows read, 0 bad; 1 inserted" in result.stdout
    assert "checking customers" in result.stderr and "100%" in result.stderr
    assert count(cli_database, Customer) == 1
