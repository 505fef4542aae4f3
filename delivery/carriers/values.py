"""The values carrier adapters hand back, whatever the carrier's own API looks like.

Moments are aware UTC datetimes; dates and windows (ETA, slots) are local to the carrier's
timezone, as in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from delivery.vocabulary import PickupPointKind, ShipmentStatus


@dataclass(frozen=True)
class CarrierEvent:
    """One scan or status message of a parcel, normalised."""

    event_id: str | None  # the carrier's id for the event, when it has one
    raw_code: str  # the carrier's own status code, as text ("OFD", "50")
    status: ShipmentStatus  # the code mapped (a safe default when the code is unknown)
    description: str | None
    location: str | None
    occurred_at: dt.datetime


@dataclass(frozen=True)
class DeliveryEstimate:
    """When the carrier expects to deliver: a local date and, if it says, the window."""

    date: dt.date
    window_start: dt.time | None = None
    window_end: dt.time | None = None


@dataclass(frozen=True)
class TrackingSnapshot:
    """What a carrier says about one parcel: its events (oldest first) and estimate."""

    tracking_number: str
    status: ShipmentStatus  # the carrier's view of the current state (informational)
    events: tuple[CarrierEvent, ...]
    eta: DeliveryEstimate | None = None

    @property
    def latest_event_at(self) -> dt.datetime | None:
        return max((event.occurred_at for event in self.events), default=None)


@dataclass(frozen=True, order=True)
class DeliverySlot:
    """A local date and window the carrier can deliver (or collect) in."""

    date: dt.date
    start: dt.time
    end: dt.time
    capacity_left: int | None = None  # None: the carrier does not say

    @property
    def key(self) -> str:
        """Same text as :attr:`delivery.services.slots.Slot.key`: '2026-03-04T09:00-13:00'."""
        return f"{self.date.isoformat()}T{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class RescheduleConfirmation:
    reference: str  # the carrier's reference for the change
    slot: DeliverySlot


@dataclass(frozen=True)
class NearPlace:
    """Search near a postcode or a city (one of them), optionally within a country."""

    postcode: str | None = None
    city: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        if not (self.postcode or self.city):
            raise ValueError("a place needs a postcode or a city")


@dataclass(frozen=True)
class NearCoordinates:
    latitude: float
    longitude: float


Near = NearPlace | NearCoordinates


@dataclass(frozen=True)
class OpeningHours:
    weekday: int  # ISO: 1 = Monday ... 7 = Sunday
    opens: dt.time
    closes: dt.time


@dataclass(frozen=True)
class PickupPointOffer:
    """A pickup point or locker as the carrier lists it, nearest first."""

    code: str
    kind: PickupPointKind
    name: str
    street: str
    postcode: str
    city: str
    country: str
    latitude: float
    longitude: float
    distance_m: int | None
    opening_hours: tuple[OpeningHours, ...]
    has_room: bool | None  # None: the carrier does not say


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    postcode: str
    city: str
    country: str
    phone: str | None = None


@dataclass(frozen=True)
class ReturnPickupRequest:
    """A home pickup of a return; ``reference`` (the shop's) is also the idempotency key."""

    reference: str
    address: Address
    slot: DeliverySlot
    parcels: int = 1
    tracking_number: str | None = None  # the parcel that was delivered, if known


@dataclass(frozen=True)
class PickupBooking:
    booking_reference: str
    slot: DeliverySlot
