"""The demo carrier service's app factory: both carriers' APIs, the simulation clock, webhooks.

``/swift/...`` and ``/boreal/...`` answer as those carriers do; ``/`` shows what moved lately;
``/health`` says it is up. On startup the world is read from the demo database (in a thread),
then every ``tick_seconds`` :func:`advance` moves some parcels on and sends the webhooks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from delivery.clock import utcnow
from delivery.db.session import make_engine, make_session_factory
from delivery.settings import Settings
from democarrier import boreal_api, swift_api
from democarrier.model import World
from democarrier.outbox import Outbox
from democarrier.runtime import Runtime, runtime
from democarrier.seed import load_world
from democarrier.settings import BOREAL_PREFIX, SWIFT_PREFIX, Credentials, DemoSettings
from democarrier.simulation import Change, Rules, Simulator
from democarrier.slots import Bookings
from democarrier.webhooks import WebhookWriter

logger = logging.getLogger(__name__)

#: A webhook the gateway has not answered in this long is tried again later.
WEBHOOK_TIMEOUT_SECONDS = 10.0
_PREFIXES = {"swift": f"{SWIFT_PREFIX}/v2", "boreal": f"{BOREAL_PREFIX}/api/v1"}


def read_world(database_url: str) -> World:
    """The simulated carriers' parcels and points in the database at ``database_url``."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return load_world(session)
    finally:
        engine.dispose()


async def advance(demo: Runtime) -> list[Change]:
    """One tick: move parcels on, queue their webhooks, deliver what is due."""
    now = demo.clock()
    changes = demo.simulator.tick(now)
    for change in changes:
        logger.info(
            "%s %s: %s -> %s (%s)",
            change.parcel.carrier.code,
            change.parcel.tracking_number,
            change.before.value,
            change.after.value,
            change.event.code,
        )
    demo.outbox.add(demo.writer.deliveries(changes, now))
    await demo.outbox.deliver(now)
    return changes


def create_app(
    settings: Settings,
    demo: DemoSettings,
    *,
    world: World | None = None,
    rules: Rules | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    client: httpx.AsyncClient | None = None,
) -> Starlette:
    """The service; ``world`` (else read from DATABASE_URL), ``clock`` and ``client`` (the
    webhooks' HTTP client) are for tests. ``demo.tick_seconds`` 0 runs no clock."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        the_world = world
        if the_world is None:
            the_world = await asyncio.to_thread(read_world, settings.database_url)
        credentials = Credentials.from_settings(settings)
        http = client or httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS)
        state = Runtime(
            world=the_world,
            simulator=Simulator(
                the_world,
                rules=rules or Rules(moves_per_tick=demo.moves_per_tick),
                seed=demo.seed,
                first_event_number=int(clock().timestamp()) * 1000,
            ),
            outbox=Outbox(http, demo.gateway_base_url(settings), credentials.webhook_secrets),
            credentials=credentials,
            writer=WebhookWriter(),
            bookings={code: Bookings(spec) for code, spec in the_world.carriers.items()},
            clock=clock,
            tick_seconds=demo.tick_seconds,
        )
        _log_start(state)
        ticking = asyncio.create_task(_tick_forever(state)) if demo.tick_seconds > 0 else None
        try:
            yield {"demo": state}
        finally:
            if ticking is not None:
                ticking.cancel()
                await asyncio.gather(ticking, return_exceptions=True)
            if client is None:
                await http.aclose()

    routes = [
        Route("/", overview, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Mount(SWIFT_PREFIX, routes=swift_api.routes()),
        Mount(BOREAL_PREFIX, routes=boreal_api.routes()),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _tick_forever(demo: Runtime) -> None:
    while True:
        await asyncio.sleep(demo.tick_seconds)
        try:
            await advance(demo)
        except Exception:  # the demo must go on: the next tick tries again
            logger.exception("a simulation tick failed")


async def health(request: Request) -> JSONResponse:
    demo = runtime(request)
    parcels = {code: len(by_number) for code, by_number in demo.world.parcels.items()}
    return JSONResponse({"status": "ok", "parcels": parcels}, headers={"Cache-Control": "no-store"})


async def overview(request: Request) -> JSONResponse:
    """What the carriers have and what moved lately (newest first)."""
    demo = runtime(request)
    carriers = {}
    for code, spec in demo.world.carriers.items():
        parcels = list(demo.world.parcels.get(code, {}).values())
        carriers[code] = {
            "name": spec.name,
            "api": _PREFIXES.get(code),
            "parcels": sum(1 for p in parcels if p.known_to_carrier),
            "moving": sum(1 for p in parcels if not p.finished and not p.frozen),
            "showcase_frozen": sum(1 for p in parcels if p.frozen),
            "pickup_points": len(demo.world.points.get(code, [])),
        }
    recent = [
        {
            "at": change.event.occurred_at.isoformat(),
            "carrier": change.parcel.carrier.code,
            "tracking_number": change.parcel.tracking_number,
            "code": change.event.code,
            "status": change.after.value,
            "description": change.event.description,
        }
        for change in reversed(demo.simulator.recent)
    ]
    body = {
        "service": "demo carriers",
        "carriers": carriers,
        "tick_seconds": demo.tick_seconds,
        "ticks": demo.simulator.ticks,
        "webhooks": {
            "pending": demo.outbox.pending,
            "sent": demo.outbox.sent,
            "dropped": demo.outbox.dropped,
        },
        "recent": recent,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _log_start(demo: Runtime) -> None:
    for code, parcels in demo.world.parcels.items():
        moving = sum(1 for p in parcels.values() if not p.finished and not p.frozen)
        logger.info("%s: %d parcels, %d moving", code, len(parcels), moving)
    if demo.tick_seconds > 0:
        logger.info("a tick every %.1f s", demo.tick_seconds)
    else:
        logger.info("the parcels stand still (DEMO_CARRIER_TICK_SECONDS=0)")
