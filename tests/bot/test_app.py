"""The app factory: no globals at import, everything with a lifetime lives as long as the app."""

from __future__ import annotations

from typing import Any

import pytest

from bot import app as app_module
from bot.app import Gateway, create_app
from bot.rasa_client import RasaClient
from bot.relay import Relay
from delivery.db.session import make_engine
from delivery.settings import Settings
from tests.bot.conftest import serve_app

SETTINGS = Settings(
    DATABASE_URL="sqlite://", RASA_URL="http://127.0.0.1:9", TELEGRAM_BOT_TOKEN=None
)


def test_each_call_builds_a_new_app() -> None:
    first, second = create_app(SETTINGS), create_app(SETTINGS)
    assert isinstance(first, Gateway)
    assert first is not second
    assert first.sockets is not second.sockets
    assert {route.path for route in first.web.routes} == {  # type: ignore[attr-defined]
        "/",
        "/health",
        "/api/v1",
        "/static",
        "/telegram/webhook",
        "/agent",
        "/agent/login",
        "/agent/logout",
        "/agent/api",
    }


def test_the_module_creates_nothing_at_import() -> None:
    made = [type(value).__name__ for value in vars(app_module).values()]
    assert not [name for name in made if name in {"Engine", "AsyncServer", "Relay", "RasaClient"}]


async def test_everything_is_created_on_startup_and_closed_on_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[str] = []
    real_engine = make_engine

    def tracking_engine(url: str) -> Any:
        engine = real_engine(url)
        monkeypatch.setattr(engine, "dispose", lambda: closed.append("engine"))
        return engine

    real_relay_close, real_rasa_close = Relay.aclose, RasaClient.aclose

    async def relay_closed(self: Relay) -> None:
        closed.append("relay")
        await real_relay_close(self)

    async def rasa_closed(self: RasaClient) -> None:
        closed.append("rasa")
        await real_rasa_close(self)

    monkeypatch.setattr(app_module, "make_engine", tracking_engine)
    monkeypatch.setattr(Relay, "aclose", relay_closed)
    monkeypatch.setattr(RasaClient, "aclose", rasa_closed)
    async with serve_app(create_app(SETTINGS)) as client:
        assert (await client.get("/health")).status_code == 200
        assert closed == []
    assert closed == ["relay", "rasa", "engine"]
