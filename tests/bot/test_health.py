"""``GET /health``: 200 while the gateway runs, with the state of each dependency; never hangs."""

from __future__ import annotations

import time

from tests.bot.conftest import Serve
from tests.bot.rasa_standin import TOKEN, rasa_standin


async def test_everything_up(serve: Serve) -> None:
    async with (
        rasa_standin() as rasa,
        serve(RASA_URL=rasa.url, RASA_TOKEN=TOKEN, ACTION_SERVER_URL=rasa.url) as client,
    ):
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "rasa": "ok",
        "action_server": "ok",
    }
    assert response.headers["cache-control"] == "no-store"


async def test_rasa_and_the_action_server_down(serve: Serve) -> None:
    async with serve() as client:  # both point at a port nothing listens on
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "rasa": "down",
        "action_server": "down",
    }


async def test_a_wrong_token_or_a_loading_model_is_down(serve: Serve) -> None:
    async with rasa_standin() as rasa, serve(RASA_URL=rasa.url, RASA_TOKEN="wrong") as client:
        wrong_token = (await client.get("/health")).json()
    assert wrong_token["rasa"] == "down"
    async with rasa_standin(rasa_up=False) as rasa, serve(RASA_URL=rasa.url) as client:
        loading = (await client.get("/health")).json()
    assert loading["rasa"] == "down"


async def test_without_a_token_rasa_is_up_when_it_answers(serve: Serve) -> None:
    async with rasa_standin() as rasa, serve(RASA_URL=rasa.url, RASA_TOKEN=None) as client:
        assert (await client.get("/health")).json()["rasa"] == "ok"


async def test_hanging_dependencies_do_not_hang_the_page(serve: Serve) -> None:
    async with (
        rasa_standin(probes_hang=True) as rasa,
        serve(RASA_URL=rasa.url, RASA_TOKEN=TOKEN, ACTION_SERVER_URL=rasa.url) as client,
    ):
        started = time.monotonic()
        response = await client.get("/health")
        took = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["rasa"] == "down"
    assert response.json()["action_server"] == "down"
    assert took < 4  # both probes in parallel, each cut off after 2 s


async def test_database_unreachable(serve: Serve) -> None:
    async with serve(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none") as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == "down"
