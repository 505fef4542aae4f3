"""The gateway's app factory: routes, and the database engine's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from bot.api import api_routes
from bot.health import health
from bot.pages import home_page
from bot.state import GatewayState
from delivery.db.session import make_engine, make_session_factory
from delivery.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Starlette:
    """A new gateway app; the engine is created on startup and disposed on shutdown."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(settings.database_url)
        gateway = GatewayState(
            settings=settings, engine=engine, session_factory=make_session_factory(engine)
        )
        try:
            yield {"gateway": gateway}
        finally:
            engine.dispose()

    routes = [
        Route("/", home_page, methods=["GET"], name="home"),
        Route("/health", health, methods=["GET"], name="health"),
        Mount("/api/v1", routes=api_routes()),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
