"""Pickup points and parcel lockers: the nearest ones, and sending a parcel to one.

The search asks the (latitude, longitude) index for a box around the origin and widens it until
enough points are found, so a dense city costs one small query and the countryside a few. The
distance, opening-hours and room logic are pure functions over rows, testable without a DB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import AuditEntry, Carrier, PickupPoint, Shipment
from delivery.geo.distance import Coordinates, bounding_box, haversine_km
from delivery.services import audit
from delivery.services.changeability import (
    CHANGE_ACTIONS,
    ensure_before_cutoff,
    ensure_changeable,
    record_change,
)
from delivery.services.opening_hours import WeeklyHours, is_open, next_opening, parse_hours
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.slots import carrier_zone
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, ChangeKind, PickupPointKind

ACTION = CHANGE_ACTIONS[ChangeKind.PICKUP_POINT]

#: Search radii tried in turn, in kilometres, until enough points are found.
SEARCH_RADII_KM = (2.0, 5.0, 10.0, 25.0, 50.0)


@dataclass(frozen=True)
class PickupPointOption:
    """A point as the customer is shown it."""

    point_id: int
    code: str
    name: str
    kind: PickupPointKind
    street: str
    postcode: str
    city: str
    country: str
    distance_km: float  # rounded to 0.1 km
    opening_hours: WeeklyHours
    open_now: bool
    next_opening: dt.datetime | None  # in the carrier's zone; None while open
    free_places: int
    has_room: bool


@dataclass(frozen=True)
class PickupSwitchResult:
    shipment_id: int
    point_id: int
    previous_point_id: int | None
    changed: bool  # False when the parcel was already going to that point


def nearest_pickup_points(
    session: Session,
    origin: Coordinates,
    *,
    carrier_id: int,
    now: dt.datetime,
    limit: int = 5,
    max_radius_km: float = 50.0,
) -> list[PickupPointOption]:
    """Up to ``limit`` active points of the carrier within ``max_radius_km``, nearest first."""
    carrier = session.get(Carrier, carrier_id)
    if carrier is None or limit < 1:
        return []
    nearest: list[tuple[float, PickupPoint]] = []
    for radius in search_radii(max_radius_km):
        box = bounding_box(origin, radius)
        rows = session.scalars(
            select(PickupPoint).where(
                PickupPoint.carrier_id == carrier_id,
                PickupPoint.active.is_(True),
                PickupPoint.latitude.between(box.min_latitude, box.max_latitude),
                PickupPoint.longitude.between(box.min_longitude, box.max_longitude),
            )
        ).all()
        # Only points inside the circle are surely nearer than any point outside the box.
        nearest = by_distance(rows, origin, within_km=radius)
        if len(nearest) >= limit:
            break
    nearest = nearest[:limit]
    occupied = occupied_places(session, [point.id for _, point in nearest])
    zone = carrier_zone(carrier)
    return [
        describe_point(
            point, distance_km=distance, occupied=occupied.get(point.id, 0), zone=zone, now=now
        )
        for distance, point in nearest
    ]


def search_radii(max_radius_km: float) -> list[float]:
    """The widening radii up to and including ``max_radius_km``."""
    return [r for r in SEARCH_RADII_KM if r < max_radius_km] + [max_radius_km]


def by_distance(
    points: Iterable[PickupPoint], origin: Coordinates, *, within_km: float
) -> list[tuple[float, PickupPoint]]:
    """(distance in km, point) of the points within ``within_km``, nearest first."""
    measured = [
        (haversine_km(origin, Coordinates(point.latitude, point.longitude)), point)
        for point in points
    ]
    return sorted(
        ((d, point) for d, point in measured if d <= within_km),
        key=lambda pair: (pair[0], pair[1].id),
    )


def describe_point(
    point: PickupPoint, *, distance_km: float, occupied: int, zone: ZoneInfo, now: dt.datetime
) -> PickupPointOption:
    """The option shown for ``point``; ``occupied`` counts the parcels waiting or bound there."""
    hours = parse_hours(point.opening_hours)
    local = now.astimezone(zone)
    open_now = is_open(hours, local)
    free = max(0, point.capacity - occupied)
    return PickupPointOption(
        point_id=point.id,
        code=point.code,
        name=point.name,
        kind=point.kind,
        street=point.street,
        postcode=point.postcode,
        city=point.city,
        country=point.country,
        distance_km=round(distance_km, 1),
        opening_hours=hours,
        open_now=open_now,
        next_opening=None if open_now else next_opening(hours, local),
        free_places=free,
        has_room=free > 0,
    )


def occupied_places(session: Session, point_ids: Sequence[int]) -> dict[int, int]:
    """Parcels taking a place at each point (all but delivered or returned ones), one query."""
    if not point_ids:
        return {}
    rows = session.execute(
        select(Shipment.pickup_point_id, func.count())
        .where(
            Shipment.pickup_point_id.in_(point_ids),
            Shipment.status.not_in(sorted(FINAL_SHIPMENT_STATUSES)),
        )
        .group_by(Shipment.pickup_point_id)
    )
    return {point_id: count for point_id, count in rows if point_id is not None}


def ensure_can_switch(shipment: Shipment, *, now: dt.datetime) -> None:
    """Raise :class:`Refused` unless the parcel may go to a pickup point (before listing any).

    Redirecting a parcel changes the carrier's route just like a new slot does, so the same
    cut-off applies.
    """
    ensure_changeable(shipment, ChangeKind.PICKUP_POINT)
    ensure_before_cutoff(shipment, now=now)
    if not shipment.carrier.supports_pickup_points:
        raise Refused(
            RefusalReason.PICKUP_POINTS_NOT_SUPPORTED,
            shipment_id=shipment.id,
            carrier_id=shipment.carrier_id,
        )


def switch_to_pickup_point(
    session: Session,
    shipment: Shipment,
    point_id: int,
    *,
    idempotency_key: str,
    actor: str,
    now: dt.datetime,
) -> PickupSwitchResult:
    """Send the parcel to point ``point_id``; a replayed key returns the first outcome.

    ``point_id`` comes back from a button, so it is checked like user input: a closed-down point
    or another carrier's is refused as not served.
    """
    entry = audit.previous_entry(session, idempotency_key, ACTION)
    if entry is not None:
        return _replayed(entry, shipment, idempotency_key)
    ensure_can_switch(shipment, now=now)
    point = session.get(PickupPoint, point_id)
    if point is None or not point.active or point.carrier_id != shipment.carrier_id:
        raise Refused(RefusalReason.POINT_NOT_SERVED, shipment_id=shipment.id, point_id=point_id)
    previous = shipment.pickup_point
    if previous is not None and previous.id == point.id:
        return PickupSwitchResult(shipment.id, point.id, point.id, changed=False)
    if occupied_places(session, [point.id]).get(point.id, 0) >= point.capacity:
        raise Refused(RefusalReason.POINT_FULL, shipment_id=shipment.id, point_id=point.id)

    before = _destination(previous)
    shipment.pickup_point_id = point.id
    shipment.pickup_point = point
    record_change(
        session,
        shipment,
        kind=ChangeKind.PICKUP_POINT,
        before=before,
        after=_destination(point),
        details={"point_id": point.id, "previous_point_id": previous.id if previous else None},
        actor=actor,
        now=now,
        idempotency_key=idempotency_key,
    )
    return PickupSwitchResult(
        shipment.id, point.id, previous.id if previous else None, changed=True
    )


def _destination(point: PickupPoint | None) -> dict[str, object]:
    """Where the parcel goes, JSON-friendly: a point, or home (the shipment's own address)."""
    if point is None:
        return {"pickup_point_id": None}
    return {"pickup_point_id": point.id, "pickup_point_code": point.code, "kind": str(point.kind)}


def _replayed(entry: AuditEntry, shipment: Shipment, idempotency_key: str) -> PickupSwitchResult:
    if entry.entity_id != shipment.id:
        raise audit.IdempotencyKeyReused(
            f"idempotency key {idempotency_key!r} was used for shipment {entry.entity_id}"
        )
    return PickupSwitchResult(
        shipment_id=shipment.id,
        point_id=entry.details["point_id"],
        previous_point_id=entry.details["previous_point_id"],
        changed=True,
    )
