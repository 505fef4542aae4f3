"""The demo carrier service under test: a hand-made world or the seeded demo database, the app
served for real on loopback (in a thread, so the synchronous adapters can call it), and the
project's real adapters pointed at it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from starlette.types import ASGIApp

from delivery.carriers.registry import CarrierRegistry, build_registry
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.demo.carriers import BOREAL, SWIFT, CarrierSpec, EventKind
from delivery.demo.generator import seed_demo
from delivery.settings import Settings
from delivery.vocabulary import PickupPointKind
from democarrier.app import create_app
from democarrier.model import Estimate, Parcel, PointRecord, SimEvent, World
from democarrier.runtime import Runtime
from democarrier.settings import DEMO_CREDENTIALS, DemoSettings
from tests.bot.servers import LOOPBACK, free_port
from tests.factories import NOW
from tests.importer.documents import wipe

E = EventKind

#: The same credentials on both ends, as `make run` sets them.
CARRIER_ENV: dict[str, Any] = dict(DEMO_CREDENTIALS)


def settings(**overrides: Any) -> Settings:
    return Settings(**{**CARRIER_ENV, **overrides})


def still(**overrides: Any) -> DemoSettings:
    """Demo settings without a clock of its own: tests call the tick."""
    return DemoSettings(**{"DEMO_CARRIER_TICK_SECONDS": 0, **overrides})


def make_parcel(
    carrier: CarrierSpec,
    number: str,
    kinds: list[EventKind],
    *,
    eta: Estimate | None = None,
    start: dt.datetime = NOW - dt.timedelta(days=2),
    **fields: Any,
) -> Parcel:
    """A parcel whose history is ``kinds``, an hour apart from ``start``."""
    events = [
        SimEvent(
            event_id=str(7_000_000 + n) if carrier is BOREAL else f"{number}-{n}",
            code=carrier.raw_codes[kind],
            kind=kind,
            description=kind.value,
            location="Helsinki" if carrier is BOREAL else "London",
            occurred_at=start + dt.timedelta(hours=n),
        )
        for n, kind in enumerate(kinds, start=1)
    ]
    defaults: dict[str, Any] = {
        "city": "Helsinki" if carrier is BOREAL else "London",
        "country": "FI" if carrier is BOREAL else "GB",
        "latitude": 60.1699 if carrier is BOREAL else 51.5034,
        "longitude": 24.9384 if carrier is BOREAL else -0.1276,
    }
    return Parcel(carrier, number, events, eta, **{**defaults, **fields})


def make_point(carrier: CarrierSpec, code: str, **fields: Any) -> PointRecord:
    values: dict[str, Any] = {
        "code": code,
        "kind": PickupPointKind.LOCKER,
        "name": f"Locker {code}",
        "street": "Mannerheimintie 1" if carrier is BOREAL else "Bridge Street",
        "postcode": "00100" if carrier is BOREAL else "SW1A 2JR",
        "postcode_key": "00100" if carrier is BOREAL else "SW1A2JR",
        "city": "Helsinki" if carrier is BOREAL else "London",
        "city_key": "helsinki" if carrier is BOREAL else "london",
        "country": "FI" if carrier is BOREAL else "GB",
        "latitude": 60.1702 if carrier is BOREAL else 51.5010,
        "longitude": 24.9400 if carrier is BOREAL else -0.1245,
        "opening_hours": {"mon": [["08:00", "20:00"]], "sun": [["00:00", "24:00"]]},
        "free_places": 5,
    }
    return PointRecord(**{**values, **fields})


TOMORROW = Estimate(dt.date(2026, 3, 3), dt.time(9), dt.time(13))


def small_world() -> World:
    """Two parcels in transit per carrier, one frozen, one delivered, one not labelled yet."""
    world = World(carriers={SWIFT.code: SWIFT, BOREAL.code: BOREAL})
    route = [E.LABEL, E.COLLECTED, E.HUB_IN]
    for carrier, prefix in ((SWIFT, "SP"), (BOREAL, "JJBX")):
        world.add(make_parcel(carrier, f"{prefix}1", route, eta=TOMORROW))
        world.add(make_parcel(carrier, f"{prefix}2", [*route, E.HUB_OUT, E.DEPOT], eta=TOMORROW))
        world.add(make_parcel(carrier, f"{prefix}SHOW", route, eta=TOMORROW, frozen=True))
        world.add(make_parcel(carrier, f"{prefix}DONE", [*route, E.DELIVERED]))
        world.add(make_parcel(carrier, f"{prefix}NEW", []))
        farther = (
            {"latitude": 60.2, "postcode": "00170", "postcode_key": "00170"}
            if carrier is BOREAL
            else {"latitude": 51.52, "postcode": "N1 9GU", "postcode_key": "N19GU"}
        )
        world.points[carrier.code] = [
            make_point(carrier, f"{prefix}-P1"),
            make_point(carrier, f"{prefix}-P2", **farther),
        ]
    return world


def runtime_of(state: Mapping[str, Any] | None) -> Runtime:
    """The service's runtime from its lifespan's state."""
    assert state is not None
    demo = state["demo"]
    assert isinstance(demo, Runtime)
    return demo


@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """``app`` served by uvicorn in a thread of its own; its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the demo carrier service did not start")
        time.sleep(0.01)
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def carriers(world: World) -> Iterator[tuple[CarrierRegistry, World]]:
    """The real adapters against the service on ``world`` (its clock stands at NOW)."""
    app = create_app(settings(), still(), world=world, clock=lambda: NOW)
    with serve_in_thread(app) as url:
        registry = build_registry(
            settings(SWIFT_API_URL=f"{url}/swift", BOREAL_API_URL=f"{url}/boreal"),
            sleep=lambda _seconds: None,
        )
        try:
            yield registry, world
        finally:
            registry.close()


# --- the seeded demo database (code under test commits: emptied before and after) ----------


@pytest.fixture
def database_url(engine: Engine) -> Iterator[str]:
    wipe(engine)
    yield engine.url.render_as_string(hide_password=False)
    wipe(engine)


@pytest.fixture
def demo_database(database_url: str) -> str:
    """The test database with a small demo data set seeded at NOW."""
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine), writes=True) as session:
            seed_demo(session, now=NOW, customers=40, orders=160)
    finally:
        engine.dispose()
    return database_url
