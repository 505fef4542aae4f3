"""The gateway app against the test database, served in-process through httpx or for real
(uvicorn on loopback, for socket.io), with a stand-in Rasa where a test needs one.

The in-process client runs the app's lifespan (engine created and disposed) and hands each
request the lifespan's state, as uvicorn does. The code under test commits, so the database is
emptied before and after each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Gateway, create_app
from delivery.db.session import make_engine, make_session_factory
from delivery.settings import Settings
from tests.importer.documents import wipe

TOKEN = "s3cret-import-token"

Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]

#: Points the gateway at a port nothing listens on: Rasa and the action server are "down".
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture
def database_url(engine: Engine) -> Iterator[str]:
    wipe(engine)
    yield engine.url.render_as_string(hide_password=False)
    wipe(engine)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on the emptied test database (for code that commits)."""
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def gateway_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "IMPORT_API_TOKEN": TOKEN,
        "RASA_URL": NOWHERE,
        "ACTION_SERVER_URL": NOWHERE,
        "TELEGRAM_BOT_TOKEN": None,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def serve_app(app: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with app.web.router.lifespan_context(app.web) as state:

        async def with_state(scope: Any, receive: Any, send: Any) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


@pytest.fixture
def serve(database_url: str) -> Serve:
    """``async with serve(**settings) as client``: the gateway on the test database."""

    def build(**overrides: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return serve_app(create_app(gateway_settings(database_url, **overrides)))

    return build
