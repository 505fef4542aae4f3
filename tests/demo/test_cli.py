"""``python -m delivery seed-demo``: seeds once, ``--if-empty`` leaves existing data alone."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import func, select

from delivery.db.migrations import migrate
from delivery.db.models import Order
from delivery.db.session import make_engine
from delivery.demo.cli import register
from delivery.settings import Settings


def _run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["seed-demo", *argv])
    return int(args.handler(args, settings))


def _order_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(Order)).scalar_one()
    engine.dispose()
    return count


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate(url)
    return url


def test_seeds_an_empty_database_and_suggests_orders(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(DATABASE_URL=database_url)
    assert _run(settings, "--if-empty", "--customers", "20", "--orders", "40", "--seed", "3") == 0
    assert _order_count(database_url) == 40
    out = capsys.readouterr().out
    assert "orders: 40/40" in out  # progress
    assert "100001  ada@example.com" in out


def test_if_empty_leaves_a_database_with_orders_alone(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(DATABASE_URL=database_url)
    _run(settings, "--customers", "20", "--orders", "40")
    capsys.readouterr()
    assert _run(settings, "--if-empty", "--orders", "60") == 0
    assert "already has orders" in capsys.readouterr().out
    assert _order_count(database_url) == 40


def test_without_if_empty_a_database_with_orders_is_an_error(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(DATABASE_URL=database_url)
    _run(settings, "--customers", "20", "--orders", "40")
    capsys.readouterr()
    assert _run(settings, "--customers", "20", "--orders", "40") == 1
    assert "already has orders" in capsys.readouterr().err
    assert _order_count(database_url) == 40


def test_asks_for_the_schema_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'bare.db'}")
    assert _run(settings, "--if-empty") == 1
    assert "migrate" in capsys.readouterr().err


def test_refuses_sizes_below_the_showcase(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _run(Settings(), "--orders", "3")
    assert "at least 8" in capsys.readouterr().err
