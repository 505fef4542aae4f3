"""The default-size demo database, built once per test session on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from delivery.db.migrations import migrate
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.demo.generator import DemoSummary, seed_demo
from tests.factories import NOW


@dataclass(frozen=True)
class DefaultDemo:
    engine: Engine
    summary: DemoSummary


@pytest.fixture(scope="session")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DefaultDemo]:
    """A SQLite database holding the demo at its default size, seeded at ``NOW``."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    migrate(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        summary = seed_demo(session, now=NOW)
    yield DefaultDemo(engine, summary)
    engine.dispose()


@pytest.fixture
def demo_summary(default_demo: DefaultDemo) -> DemoSummary:
    return default_demo.summary


@pytest.fixture
def demo(default_demo: DefaultDemo) -> Iterator[Session]:
    """A read-only look at the default demo database."""
    with Session(default_demo.engine) as session:
        yield session
        session.rollback()
