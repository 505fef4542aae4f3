"""``GET /health``: the database's status."""

from __future__ import annotations

from tests.bot.conftest import Serve


async def test_healthy(serve: Serve) -> None:
    async with serve() as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_database_unreachable(serve: Serve) -> None:
    async with serve(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none") as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
