"""The Bot API stand-in on loopback, a relay the test controls, and the database the contact
handler writes to (committed, so emptied before and after each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from delivery.db.session import make_session_factory
from tests.importer.documents import wipe
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandin]:
    async with TelegramStandin().running() as running:
        yield running


@pytest.fixture
def relay() -> FakeRelay:
    return FakeRelay()


@pytest.fixture
def sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    """Sessions on SQLite, for tests that never reach the database."""
    return make_session_factory(sqlite_engine)


@pytest.fixture
def committed_sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on each backend for code that commits; the tables are emptied around the test."""
    wipe(engine)
    yield make_session_factory(engine)
    wipe(engine)


@pytest.fixture
def ada() -> TelegramUser:
    return TelegramUser(id=4242, first_name="Ada", language_code="it")
