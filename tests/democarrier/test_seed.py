"""The world read from the seeded demo database: every parcel of the simulated carriers, as
stored, with the showcase's frozen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import Carrier, Order, PickupPoint, Shipment, TrackingEvent
from delivery.db.session import make_engine, make_session_factory
from delivery.demo.showcase import SHOWCASE_ORDERS
from delivery.normalize import order_number_key
from delivery.vocabulary import ShipmentStatus
from democarrier.app import read_world
from democarrier.simulation import Rules, Simulator
from tests.factories import NOW


def test_every_parcel_of_the_simulated_carriers_with_its_history(demo_database: str) -> None:
    world = read_world(demo_database)
    engine = make_engine(demo_database)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(Carrier.code, Shipment, Order.number_key)
            .join(Shipment, Shipment.carrier_id == Carrier.id)
            .join(Order, Shipment.order_id == Order.id)
        ).all()
        events = {
            shipment_id: [(e.external_id, e.raw_code, e.occurred_at) for e in group]
            for shipment_id, group in _events_by_shipment(session).items()
        }
        active_points = {
            code: sorted(
                session.scalars(
                    select(PickupPoint.code)
                    .join(Carrier, PickupPoint.carrier_id == Carrier.id)
                    .where(Carrier.code == code, PickupPoint.active.is_(True))
                )
            )
            for code in ("swift", "boreal")
        }
    engine.dispose()

    assert set(world.parcels) == {"swift", "boreal"}  # Corriere Veloce has no API here
    showcase = {order_number_key(order.number) for order in SHOWCASE_ORDERS}
    simulated = [(code, s, key) for code, s, key in rows if code in world.parcels]
    assert sum(len(by_number) for by_number in world.parcels.values()) == len(simulated)
    for code, shipment, order_key in simulated:
        parcel = world.parcels[code][shipment.tracking_number]
        assert parcel.frozen is (order_key in showcase)
        assert [(e.event_id, e.code, e.occurred_at) for e in parcel.events] == [
            (external_id, raw, at.astimezone(dt.UTC).replace(microsecond=0))
            for external_id, raw, at in events.get(shipment.id, [])
        ]
        assert all(event.kind is not None for event in parcel.events)
        assert parcel.status is shipment.status
        if shipment.status is ShipmentStatus.PENDING:
            assert world.parcel(code, shipment.tracking_number) is None
    frozen = {p.tracking_number for by in world.parcels.values() for p in by.values() if p.frozen}
    assert frozen  # the showcase has Swift and Boreal parcels
    assert {code: sorted(p.code for p in world.points[code]) for code in world.points} == (
        active_points
    )
    assert all(p.free_places >= 0 for points in world.points.values() for p in points)


def test_the_seeded_showcase_is_never_moved(demo_database: str) -> None:
    world = read_world(demo_database)
    frozen = [p for by in world.parcels.values() for p in by.values() if p.frozen]
    before = {p.tracking_number: (list(p.events), p.eta) for p in frozen}
    sim = Simulator(world, rules=Rules(moves_per_tick=500), first_event_number=1)
    for n in range(10):
        sim.tick(NOW + dt.timedelta(minutes=n))
    assert {p.tracking_number: (p.events, p.eta) for p in frozen} == before


def _events_by_shipment(session: Session) -> dict[int, list[TrackingEvent]]:
    grouped: dict[int, list[TrackingEvent]] = {}
    for event in session.scalars(
        select(TrackingEvent).order_by(
            TrackingEvent.shipment_id, TrackingEvent.occurred_at, TrackingEvent.id
        )
    ):
        grouped.setdefault(event.shipment_id, []).append(event)
    return grouped
