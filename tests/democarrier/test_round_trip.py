"""The simulation's signed webhooks accepted by the real gateway and applied to the shipments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.app import create_app as create_gateway
from delivery.db.models import Order, Shipment, TrackingEvent
from delivery.db.session import make_engine, make_session_factory
from delivery.demo.carriers import EventKind
from delivery.demo.showcase import SHOWCASE_ORDERS
from delivery.normalize import order_number_key
from delivery.vocabulary import ShipmentStatus as S
from democarrier.app import advance, create_app, read_world
from democarrier.model import Parcel, World
from tests.bot.conftest import gateway_settings, serve_app
from tests.democarrier.conftest import CARRIER_ENV, runtime_of, settings, still
from tests.factories import NOW

LATER = NOW + dt.timedelta(hours=1)


def in_transit(world: World, carrier: str) -> Parcel:
    return next(
        parcel
        for parcel in world.movable()
        if parcel.carrier.code == carrier and parcel.status is S.IN_TRANSIT
    )


def shipment_rows(database_url: str) -> dict[str, tuple[Shipment, list[TrackingEvent]]]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return {
                shipment.tracking_number: (shipment, list(shipment.events))
                for shipment in session.scalars(select(Shipment))
            }
    finally:
        engine.dispose()


def showcase_events(database_url: str) -> int:
    engine = make_engine(database_url)
    keys = [order_number_key(order.number) for order in SHOWCASE_ORDERS]
    try:
        with make_session_factory(engine)() as session:
            return (
                session.scalar(
                    select(func.count(TrackingEvent.id))
                    .join(Shipment, TrackingEvent.shipment_id == Shipment.id)
                    .join(Order, Shipment.order_id == Order.id)
                    .where(Order.number_key.in_(keys))
                )
                or 0
            )
    finally:
        engine.dispose()


async def test_delays_and_ticks_reach_the_database_through_the_gateway(demo_database: str) -> None:
    world = read_world(demo_database)
    showcase_before = showcase_events(demo_database)
    gateway = create_gateway(gateway_settings(demo_database, **CARRIER_ENV))
    async with serve_app(gateway) as client:
        app = create_app(
            settings(DATABASE_URL=demo_database),
            still(DEMO_CARRIER_GATEWAY_URL="http://gateway", DEMO_CARRIER_MOVES_PER_TICK=6),
            world=world,
            clock=lambda: LATER,
            client=client,
        )
        async with app.router.lifespan_context(app) as state:
            demo = runtime_of(state)
            delays = [
                demo.simulator.inject(in_transit(world, carrier), EventKind.DELAYED, LATER)
                for carrier in ("swift", "boreal")
            ]
            demo.outbox.add(demo.writer.deliveries(delays, LATER))
            await demo.outbox.deliver(LATER)
            ticked = await advance(demo)
            assert (demo.outbox.pending, demo.outbox.dropped) == (0, 0)
            assert demo.outbox.sent >= 3  # two Swift deliveries at least, one Boreal batch

    rows = shipment_rows(demo_database)
    for change in [*delays, *ticked]:
        shipment, events = rows[change.parcel.tracking_number]
        stored = [e for e in events if e.external_id == change.event.event_id]
        assert [(e.raw_code, e.status, e.occurred_at) for e in stored] == [
            (change.event.code, change.after, change.event.occurred_at)
        ]
        assert shipment.status is change.parcel.status
    for delay in delays:
        shipment, _ = rows[delay.parcel.tracking_number]
        assert delay.eta is not None
        assert (shipment.status, shipment.eta_date) == (S.DELAYED, delay.eta.date)
    assert showcase_events(demo_database) == showcase_before


async def test_a_gateway_with_another_secret_refuses_and_nothing_is_applied(
    demo_database: str,
) -> None:
    world = read_world(demo_database)
    gateway = create_gateway(gateway_settings(demo_database, SWIFT_WEBHOOK_SECRET="other"))
    async with serve_app(gateway) as client:
        app = create_app(settings(), still(), world=world, clock=lambda: LATER, client=client)
        async with app.router.lifespan_context(app) as state:
            demo = runtime_of(state)
            parcel = in_transit(world, "swift")
            change = demo.simulator.inject(parcel, EventKind.DELAYED, LATER)
            demo.outbox.add(demo.writer.deliveries([change], LATER))
            report = await demo.outbox.deliver(LATER)
    assert (report.answers, report.dropped) == ([401], 1)
    shipment, events = shipment_rows(demo_database)[parcel.tracking_number]
    assert shipment.status is S.IN_TRANSIT
    assert change.event.event_id not in {e.external_id for e in events}
