"""The service as a whole: its overview and health pages, its own clock (which survives a gateway
that is down), and `python -m democarrier` as `make run` starts it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from delivery.carriers.registry import build_registry
from delivery.carriers.values import NearPlace
from delivery.db.migrations import migrate
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.demo.generator import seed_demo
from delivery.settings import PROJECT_ROOT
from democarrier.app import advance, create_app
from democarrier.runtime import Runtime
from democarrier.simulation import Rules
from tests.bot.servers import free_port
from tests.democarrier.conftest import runtime_of, settings, small_world, still
from tests.factories import NOW

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from supervisor import Service, start, stop_all, wait_until_ready


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """The app with its lifespan, called in-process."""
    async with app.router.lifespan_context(app) as state:
        demo = runtime_of(state)

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://carriers") as client:
            yield client, demo


def gateway_down() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(refused))


async def test_the_overview_shows_the_carriers_and_what_moved_lately() -> None:
    app = create_app(
        settings(), still(), world=small_world(), clock=lambda: NOW, client=gateway_down()
    )
    async with running(app) as (client, demo):
        before = (await client.get("/")).json()
        await advance(demo)
        overview = (await client.get("/")).json()
        health = (await client.get("/health")).json()
    assert health == {"status": "ok", "parcels": {"swift": 5, "boreal": 5}}
    assert (before["ticks"], before["recent"]) == (0, [])
    assert before["carriers"]["swift"] == {
        "name": "Swift Parcels",
        "api": "/swift/v2",
        "parcels": 4,  # the one without a label is not the carrier's yet
        "moving": 3,
        "showcase_frozen": 1,
        "pickup_points": 2,
    }
    assert overview["ticks"] == 1
    assert len(overview["recent"]) == 4
    assert overview["webhooks"] == {"pending": 3, "sent": 0, "dropped": 0}  # gateway down
    assert {"at", "carrier", "tracking_number", "code", "status"} <= set(overview["recent"][0])


async def test_the_clock_ticks_on_its_own_and_a_gateway_that_is_down_stops_nothing() -> None:
    app = create_app(
        settings(),
        still(DEMO_CARRIER_TICK_SECONDS=0.01),
        world=small_world(),
        rules=Rules(moves_per_tick=1),
        clock=lambda: NOW,
        client=gateway_down(),
    )
    async with running(app) as (_client, demo):
        for _ in range(300):
            if demo.simulator.ticks >= 3:
                break
            await asyncio.sleep(0.01)
        assert demo.simulator.ticks >= 3
        assert demo.outbox.pending >= 1 and demo.outbox.sent == 0


@pytest.fixture
def sqlite_demo(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine), writes=True) as session:
        seed_demo(session, now=NOW, customers=20, orders=60)
    engine.dispose()
    return url


@pytest.mark.slow
def test_python_m_democarrier_serves_the_demo_database(sqlite_demo: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SWIFT_", "BOREAL_", "DEMO_CARRIER_"))
    }
    service = Service(
        name="demo carriers",
        command=[sys.executable, "-m", "democarrier"],
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=tmp_path / "demo-carriers.log",
        env={
            **env,
            "DATABASE_URL": sqlite_demo,
            "DEMO_CARRIER_PORT": str(port),
            "DEMO_CARRIER_TICK_SECONDS": "0.2",
            "DEMO_CARRIER_GATEWAY_URL": "http://127.0.0.1:9",  # nobody: webhooks wait
        },
    )
    start(service, cwd=PROJECT_ROOT)
    try:
        wait_until_ready(service, poll_seconds=0.1)
        with urllib.request.urlopen(service.health_url, timeout=5) as response:
            parcels = json.load(response)["parcels"]
        assert parcels["swift"] > 0 and parcels["boreal"] > 0
        # The demo credentials apply on both ends when nothing else is set.
        registry = build_registry(settings(SWIFT_API_URL=f"http://127.0.0.1:{port}/swift"))
        adapter = registry.get("swift")
        assert adapter is not None
        assert adapter.search_pickup_points(NearPlace(city="London"))
        registry.close()
    finally:
        stop_all([service], grace=5)
    log = service.log_path.read_text()
    assert "parcels" in log and "moving" in log
