"""The demo carriers' own view of their parcels and pickup points, kept in memory.

Seeded from the demo database at start (:mod:`democarrier.seed`), moved on by the simulation,
read by the APIs. Each event keeps its raw code and, where the code is one of the demo
carrier's, what kind of event it is; a parcel's status is that of its newest event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from delivery.demo.carriers import EVENT_STATUS, CarrierSpec, EventKind
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, PickupPointKind, ShipmentStatus

#: The scans that move a parcel along its way (problems do not), in the order they happen.
HOME_ROUTE = (
    EventKind.LABEL,
    EventKind.COLLECTED,
    EventKind.HUB_IN,
    EventKind.HUB_OUT,
    EventKind.DEPOT,
    EventKind.OUT_FOR_DELIVERY,
    EventKind.DELIVERED,
)
#: A parcel sent to a pickup point (or taken there after failed attempts) ends this way.
POINT_ROUTE = (*HOME_ROUTE[:5], EventKind.AT_POINT, EventKind.PICKED_UP)
PROGRESS = frozenset(HOME_ROUTE) | frozenset(POINT_ROUTE) | {EventKind.RETURNED}
PROBLEMS = frozenset(
    {EventKind.DELAYED, EventKind.DAMAGED, EventKind.ADDRESS_PROBLEM, EventKind.NOBODY_HOME}
)


@dataclass(frozen=True)
class SimEvent:
    """One scan as the carrier reports it."""

    event_id: str  # the carrier's id as text (Boreal's are numbers)
    code: str  # the carrier's raw code
    kind: EventKind | None  # None: a code the demo carrier does not use (imported data)
    description: str
    location: str | None
    occurred_at: dt.datetime  # UTC, whole seconds

    @property
    def status(self) -> ShipmentStatus | None:
        return EVENT_STATUS[self.kind] if self.kind is not None else None


@dataclass(frozen=True)
class Estimate:
    """When the carrier expects to deliver: a local date and window."""

    date: dt.date
    start: dt.time | None = None
    end: dt.time | None = None

    @property
    def window(self) -> tuple[dt.time, dt.time] | None:
        return (self.start, self.end) if self.start and self.end else None


@dataclass
class Parcel:
    """A parcel the carrier knows; ``frozen`` ones (the showcase's) are never moved."""

    carrier: CarrierSpec
    tracking_number: str
    events: list[SimEvent]  # oldest first
    eta: Estimate | None
    city: str
    country: str
    latitude: float | None = None
    longitude: float | None = None
    point_name: str | None = None  # goes to this pickup point instead of home
    frozen: bool = False
    failed_attempts: int = 0

    @property
    def known_to_carrier(self) -> bool:
        """A parcel without a label yet is only the shop's (the API answers 'not found')."""
        return bool(self.events)

    @property
    def last(self) -> SimEvent | None:
        return self.events[-1] if self.events else None

    @property
    def status(self) -> ShipmentStatus:
        for event in reversed(self.events):
            if event.status is not None:
                return event.status
        return ShipmentStatus.PENDING

    @property
    def finished(self) -> bool:
        return self.status in FINAL_SHIPMENT_STATUSES

    @property
    def position(self) -> EventKind | None:
        """The newest scan that moved the parcel along its route (None: not labelled yet)."""
        for event in reversed(self.events):
            if event.kind in PROGRESS:
                return event.kind
        return None

    @property
    def route(self) -> tuple[EventKind, ...]:
        return POINT_ROUTE if self.point_name else HOME_ROUTE


@dataclass(frozen=True)
class PointRecord:
    """A pickup point or locker of one carrier."""

    code: str
    kind: PickupPointKind
    name: str
    street: str
    postcode: str
    postcode_key: str
    city: str
    city_key: str
    country: str
    latitude: float
    longitude: float
    opening_hours: dict[str, Any]  # as stored: {"mon": [["08:00", "20:00"]], ...}
    free_places: int


@dataclass
class World:
    """Every parcel and pickup point of the simulated carriers."""

    carriers: dict[str, CarrierSpec]
    parcels: dict[str, dict[str, Parcel]] = field(default_factory=dict)  # carrier -> number
    points: dict[str, list[PointRecord]] = field(default_factory=dict)  # carrier -> points

    def parcel(self, carrier: str, tracking_number: str) -> Parcel | None:
        """The parcel if this carrier has it (a parcel without a label: None)."""
        parcel = self.parcels.get(carrier, {}).get(tracking_number.strip())
        return parcel if parcel is not None and parcel.known_to_carrier else None

    def add(self, parcel: Parcel) -> None:
        self.parcels.setdefault(parcel.carrier.code, {})[parcel.tracking_number] = parcel

    def movable(self) -> list[Parcel]:
        """Parcels the simulation may move, in a stable order (a seed then picks the same)."""
        return [
            parcel
            for code in sorted(self.parcels)
            for _, parcel in sorted(self.parcels[code].items())
            if not parcel.frozen and not parcel.finished
        ]
