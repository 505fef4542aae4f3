"""The one interface every carrier adapter offers (docs/carriers-design.md).

An adapter turns one carrier's HTTP API and webhook bodies into the values of
:mod:`delivery.carriers.values`. Its methods raise :class:`CarrierUnavailable` (not reached),
:class:`CarrierRejected` (a 4xx, with the carrier's reason) or :class:`CarrierResponseInvalid`
(a malformed answer); :meth:`CarrierAdapter.parse_webhook` raises :class:`InvalidPayload`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from delivery.carriers.errors import (
    CarrierError,
    CarrierRejected,
    CarrierResponseInvalid,
    CarrierUnavailable,
    CarrierUnsupported,
    InvalidPayload,
    PayloadProblem,
)
from delivery.carriers.values import (
    Address,
    CarrierEvent,
    DeliveryEstimate,
    DeliverySlot,
    Near,
    NearCoordinates,
    NearPlace,
    OpeningHours,
    PickupBooking,
    PickupPointOffer,
    RescheduleConfirmation,
    ReturnPickupRequest,
    TrackingSnapshot,
)

__all__ = [
    "Address",
    "CarrierAdapter",
    "CarrierError",
    "CarrierEvent",
    "CarrierRejected",
    "CarrierResponseInvalid",
    "CarrierUnavailable",
    "CarrierUnsupported",
    "DeliveryEstimate",
    "DeliverySlot",
    "InvalidPayload",
    "Near",
    "NearCoordinates",
    "NearPlace",
    "OpeningHours",
    "PayloadProblem",
    "PickupBooking",
    "PickupPointOffer",
    "RescheduleConfirmation",
    "ReturnPickupRequest",
    "TrackingSnapshot",
]


class CarrierAdapter(Protocol):
    """One carrier's API, normalised. Synchronous: call it from a worker thread."""

    @property
    def code(self) -> str:
        """The carrier's code, as in ``Carrier.code`` ("swift")."""
        ...

    def fetch_tracking(self, tracking_number: str) -> TrackingSnapshot:
        """Every event of the parcel (oldest first), its current status and ETA."""
        ...

    def list_delivery_slots(
        self, tracking_number: str, from_date: dt.date, days: int
    ) -> tuple[DeliverySlot, ...]:
        """The bookable delivery slots from ``from_date`` for ``days`` days, in order."""
        ...

    def reschedule(
        self, tracking_number: str, slot: DeliverySlot, *, idempotency_key: str
    ) -> RescheduleConfirmation:
        """Move the delivery to ``slot``; the same key again changes nothing twice."""
        ...

    def search_pickup_points(self, near: Near, limit: int = 5) -> tuple[PickupPointOffer, ...]:
        """Pickup points and lockers near a place or coordinates, nearest first."""
        ...

    def book_pickup(self, request: ReturnPickupRequest) -> PickupBooking:
        """Book a home pickup of a return (idempotent by ``request.reference``)."""
        ...

    def parse_webhook(self, document: Any) -> tuple[TrackingSnapshot, ...]:
        """The parcels' updates in one webhook body (parsed JSON); () if it carries none."""
        ...
