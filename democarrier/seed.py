"""The demo carriers' world, read once from the demo database at start.

Every shipment of a simulated carrier becomes a parcel with its tracking history (raw codes and
event ids as stored), estimate, address and pickup point; the showcase orders' parcels are
frozen. Active pickup points come with the places still free in them. Read-only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import Carrier, Order, PickupPoint, Shipment, TrackingEvent
from delivery.demo.carriers import BOREAL, SWIFT, CarrierSpec, EventKind
from delivery.demo.showcase import SHOWCASE_ORDERS
from delivery.normalize import order_number_key
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES
from democarrier.model import Estimate, Parcel, PointRecord, SimEvent, World

#: The carriers this service simulates (their adapters are in delivery/carriers/).
SIMULATED: tuple[CarrierSpec, ...] = (SWIFT, BOREAL)


def showcase_order_keys() -> frozenset[str]:
    return frozenset(order_number_key(order.number) for order in SHOWCASE_ORDERS)


def load_world(session: Session, carriers: Iterable[CarrierSpec] = SIMULATED) -> World:
    """Every parcel and active pickup point of ``carriers`` in the database."""
    specs = {spec.code: spec for spec in carriers}
    world = World(carriers=specs)
    ids = dict(
        session.execute(select(Carrier.id, Carrier.code).where(Carrier.code.in_(list(specs)))).all()
    )
    if not ids:
        return world
    for point_carrier, point in _points(session, list(ids)):
        world.points.setdefault(ids[point_carrier], []).append(point)
    frozen = showcase_order_keys()
    point_names = dict(session.execute(select(PickupPoint.id, PickupPoint.name)).all())
    events = _events(session, specs, ids)
    rows = session.execute(
        select(Shipment, Order.number_key)
        .join(Order, Shipment.order_id == Order.id)
        .where(Shipment.carrier_id.in_(list(ids)))
        .order_by(Shipment.id)
    )
    for shipment, order_key in rows:
        history = events.get(shipment.id, [])
        world.add(
            Parcel(
                carrier=specs[ids[shipment.carrier_id]],
                tracking_number=shipment.tracking_number,
                events=history,
                eta=_estimate(shipment),
                city=shipment.city,
                country=shipment.country.upper(),
                latitude=shipment.latitude,
                longitude=shipment.longitude,
                point_name=point_names.get(shipment.pickup_point_id or 0),
                frozen=order_key in frozen,
                failed_attempts=sum(1 for e in history if e.kind is EventKind.NOBODY_HOME),
            )
        )
    return world


def _events(
    session: Session, specs: dict[str, CarrierSpec], ids: dict[int, str]
) -> dict[int, list[SimEvent]]:
    """Each shipment's events, oldest first; ``ids``: carrier id -> code."""
    kinds = {
        code: {raw: kind for kind, raw in spec.raw_codes.items()} for code, spec in specs.items()
    }
    rows = session.execute(
        select(TrackingEvent, Shipment.carrier_id)
        .join(Shipment, TrackingEvent.shipment_id == Shipment.id)
        .where(Shipment.carrier_id.in_(list(ids)))
        .order_by(TrackingEvent.shipment_id, TrackingEvent.occurred_at, TrackingEvent.id)
    )
    events: dict[int, list[SimEvent]] = {}
    for row, carrier_id in rows:
        code = ids[carrier_id]
        kind = kinds[code].get(row.raw_code)
        events.setdefault(row.shipment_id, []).append(
            SimEvent(
                # Events stored without the carrier's id get one made of the row's.
                event_id=row.external_id or f"{row.shipment_id}{row.id:09d}",
                code=row.raw_code,
                kind=kind,
                description=row.description or (kind.value if kind else row.raw_code),
                location=row.location,
                occurred_at=row.occurred_at.astimezone(dt.UTC).replace(microsecond=0),
            )
        )
    return events


def _points(session: Session, carrier_ids: list[int]) -> list[tuple[int, PointRecord]]:
    busy = Counter(
        dict(
            session.execute(
                select(Shipment.pickup_point_id, func.count())
                .where(
                    Shipment.pickup_point_id.is_not(None),
                    Shipment.status.not_in(sorted(FINAL_SHIPMENT_STATUSES)),
                )
                .group_by(Shipment.pickup_point_id)
            ).all()
        )
    )
    points = session.scalars(
        select(PickupPoint)
        .where(PickupPoint.carrier_id.in_(carrier_ids), PickupPoint.active.is_(True))
        .order_by(PickupPoint.code)
    ).all()
    return [
        (
            point.carrier_id,
            PointRecord(
                code=point.code,
                kind=point.kind,
                name=point.name,
                street=point.street,
                postcode=point.postcode,
                postcode_key=point.postcode_key,
                city=point.city,
                city_key=point.city_key,
                country=point.country.upper(),
                latitude=point.latitude,
                longitude=point.longitude,
                opening_hours=dict(point.opening_hours or {}),
                free_places=max(0, point.capacity - busy[point.id]),
            ),
        )
        for point in points
    ]


def _estimate(shipment: Shipment) -> Estimate | None:
    if shipment.status in FINAL_SHIPMENT_STATUSES:
        return None
    if shipment.eta_date is not None:
        return Estimate(shipment.eta_date, shipment.eta_window_start, shipment.eta_window_end)
    return Estimate(
        shipment.promised_date, shipment.promised_window_start, shipment.promised_window_end
    )
