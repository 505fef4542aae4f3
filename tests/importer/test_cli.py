"""``python -m delivery import``: exit codes, progress, errors, one unit of work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from delivery.cli import main
from delivery.db.models import Order
from delivery.settings import PROJECT_ROOT
from tests.importer.documents import document, order


def _orders(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Order)).scalar_one()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_good_file_is_imported(
    cli_env: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, document(order("#1"), order("#2")))
    assert main(["import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "imported 2 orders, 1 carriers, 0 pickup points"
    assert "  orders: 2 created, 0 updated, 0 unchanged" in out.splitlines()
    assert err.splitlines() == ["validated 2 orders...", "imported 2/2 orders"]
    assert _orders(engine) == 2

    assert main(["import", str(path)]) == 0
    assert "  orders: 0 created, 0 updated, 2 unchanged" in capsys.readouterr().out.splitlines()
    assert _orders(engine) == 2


def test_a_dry_run_writes_nothing(
    cli_env: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, document(order("#1")))
    assert main(["import", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "valid: 1 orders, 1 carriers, 0 pickup points (dry run: nothing written)\n"
    )
    assert _orders(engine) == 0


def test_a_bad_file_is_rejected_with_every_error(
    cli_env: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = order("#2")
    bad["lines"][0]["quantity"] = 0
    bad["shipments"][0]["carrier"] = "nope"
    path = _write(tmp_path, document(order("#1"), bad))
    assert main(["import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "orders[1].lines[0].quantity: must be at least 1",
        "orders[1].shipments[0].carrier: unknown carrier 'nope': neither in this file nor in "
        "the database",
        f"{path}: rejected with 2 error(s); nothing was imported",
    ]
    assert _orders(engine) == 0


def test_a_missing_file(cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err.startswith(f"cannot read {tmp_path / 'nope.json'}: ")


def test_the_module_entry_point_exits_with_the_status(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "delivery", "import", str(tmp_path / "missing.json")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", "PATH": ""},
    )
    assert result.returncode == 2
    assert "cannot read" in result.stderr
