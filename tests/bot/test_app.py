"""The app factory: no globals at import, the engine lives as long as the app runs."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from bot import app as app_module
from bot.app import create_app
from delivery.db.session import make_engine
from delivery.settings import Settings
from tests.bot.conftest import serve_app


def test_each_call_builds_a_new_app() -> None:
    settings = Settings(DATABASE_URL="sqlite://")
    first, second = create_app(settings), create_app(settings)
    assert isinstance(first, Starlette)
    assert first is not second
    assert {route.path for route in first.routes} == {"/", "/health", "/api/v1"}  # type: ignore[attr-defined]


def test_the_module_creates_nothing_at_import() -> None:
    assert not [
        name for name, value in vars(app_module).items() if "Engine" in type(value).__name__
    ]


async def test_the_engine_is_created_on_startup_and_disposed_on_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    disposed: list[Any] = []
    real = make_engine

    def tracking_engine(url: str) -> Any:
        engine = real(url)
        monkeypatch.setattr(engine, "dispose", lambda: disposed.append(engine))
        return engine

    monkeypatch.setattr(app_module, "make_engine", tracking_engine)
    async with serve_app(create_app(Settings(DATABASE_URL="sqlite://"))) as client:
        assert (await client.get("/health")).status_code == 200
        assert disposed == []
    assert len(disposed) == 1
