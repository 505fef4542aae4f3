"""The gateway app against the test database, served in-process through httpx.

The client runs the app's lifespan (engine created and disposed) and hands each request the
lifespan's state, as uvicorn does. The code under test commits, so the database is emptied
before and after each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from bot.app import create_app
from delivery.settings import Settings
from tests.importer.documents import wipe

TOKEN = "s3cret-import-token"

Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def database_url(engine: Engine) -> Iterator[str]:
    wipe(engine)
    yield engine.url.render_as_string(hide_password=False)
    wipe(engine)


@asynccontextmanager
async def serve_app(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


@pytest.fixture
def serve(database_url: str) -> Serve:
    """``async with serve(**settings) as client``: the gateway on the test database."""

    def build(**overrides: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        values: dict[str, Any] = {"DATABASE_URL": database_url, "IMPORT_API_TOKEN": TOKEN}
        values.update(overrides)
        return serve_app(create_app(Settings(**values)))

    return build
