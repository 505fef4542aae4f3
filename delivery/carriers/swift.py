"""Swift Parcels: a JSON REST API (v2) with letter status codes and nested objects.

``X-Api-Key`` authenticates; times are ISO 8601 with an offset; tracking events come newest
first, each with an ``id``; dates and windows are local (Europe/London); errors are
``{"error": {"code", "message"}}``; changes take an ``Idempotency-Key``. Its webhook posts one
event per delivery: ``{"id", "type": "tracking.updated", "data": {"trackingNumber", "event",
"estimatedDelivery"}}``. Shapes: tests/carriers/recordings/swift/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from delivery.carriers.http import CarrierHttp
from delivery.carriers.mapping import SWIFT as TABLE
from delivery.carriers.payload import Node, document, parse_response
from delivery.carriers.values import (
    CarrierEvent,
    DeliveryEstimate,
    DeliverySlot,
    Near,
    NearPlace,
    OpeningHours,
    PickupBooking,
    PickupPointOffer,
    RescheduleConfirmation,
    ReturnPickupRequest,
    TrackingSnapshot,
)
from delivery.vocabulary import PickupPointKind

CODE = "swift"
API_KEY_HEADER = "X-Api-Key"
WEBHOOK_TRACKING_TYPE = "tracking.updated"
_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_KINDS = {"SHOP": PickupPointKind.PICKUP_POINT, "LOCKER": PickupPointKind.LOCKER}


def rejection(body: Any) -> tuple[str | None, str | None]:
    """Swift's 4xx body: ``{"error": {"code": "CUTOFF_PASSED", "message": "..."}}``."""
    error = body["error"]
    return str(error["code"]), str(error["message"])


class SwiftAdapter:
    """Swift Parcels through :class:`CarrierHttp` (made with :func:`rejection`)."""

    code = CODE

    def __init__(self, http: CarrierHttp) -> None:
        self.http = http

    def fetch_tracking(self, tracking_number: str) -> TrackingSnapshot:
        body = self.http.get_json(f"/v2/shipments/{_quoted(tracking_number)}/tracking")
        return parse_response(CODE, parse_tracking, body)

    def list_delivery_slots(
        self, tracking_number: str, from_date: dt.date, days: int
    ) -> tuple[DeliverySlot, ...]:
        body = self.http.get_json(
            f"/v2/shipments/{_quoted(tracking_number)}/delivery-options",
            params={"from": from_date.isoformat(), "days": days},
        )
        return parse_response(CODE, parse_slots, body)

    def reschedule(
        self, tracking_number: str, slot: DeliverySlot, *, idempotency_key: str
    ) -> RescheduleConfirmation:
        body = self.http.post_json(
            f"/v2/shipments/{_quoted(tracking_number)}/reschedule",
            {"date": slot.date.isoformat(), "window": _window_json(slot)},
            idempotency_key=idempotency_key,
        )
        return parse_response(CODE, parse_reschedule, body)

    def search_pickup_points(self, near: Near, limit: int = 5) -> tuple[PickupPointOffer, ...]:
        params: dict[str, str | int | float] = {"limit": limit}
        if isinstance(near, NearPlace):
            if near.postcode:
                params["postcode"] = near.postcode
            else:
                params["city"] = near.city or ""
            if near.country:
                params["country"] = near.country
        else:
            params.update(lat=near.latitude, lng=near.longitude)
        body = self.http.get_json("/v2/pickup-points", params=params)
        return parse_response(CODE, parse_pickup_points, body)

    def book_pickup(self, request: ReturnPickupRequest) -> PickupBooking:
        address = request.address
        body = self.http.post_json(
            "/v2/returns/pickups",
            {
                "reference": request.reference,
                "trackingNumber": request.tracking_number,
                "collectionAddress": {
                    "name": address.name,
                    "line1": address.street,
                    "postcode": address.postcode,
                    "city": address.city,
                    "country": address.country,
                    "phone": address.phone,
                },
                "date": request.slot.date.isoformat(),
                "window": _window_json(request.slot),
                "parcels": request.parcels,
            },
            idempotency_key=request.reference,
        )
        return parse_response(CODE, parse_booking, body)

    def parse_webhook(self, document: Any) -> tuple[TrackingSnapshot, ...]:
        return parse_webhook(document)


# --- parsing (pure; the webhook shares the event shape) -------------------------------------


def parse_tracking(body: Any) -> TrackingSnapshot:
    root = document(body)
    shipment = root.get("shipment")
    tracking_number = shipment.get("trackingNumber").text(max_length=64)
    status_code = shipment.get("status").get("code").text(max_length=64)
    events = [_event(node) for node in shipment.get("events").items()]
    estimate = shipment.optional("estimatedDelivery")
    eta = _estimate(estimate) if estimate else None
    root.check()
    return TrackingSnapshot(
        tracking_number=tracking_number,
        status=TABLE.status_of(status_code),
        events=tuple(sorted(events, key=lambda event: event.occurred_at)),  # sent newest first
        eta=eta,
    )


def parse_webhook(body: Any) -> tuple[TrackingSnapshot, ...]:
    """One delivery: one event of one parcel. Types other than tracking carry nothing for us."""
    root = document(body)
    root.get("id").text(max_length=128)
    kind = root.get("type").text(max_length=64)
    if kind and kind != WEBHOOK_TRACKING_TYPE:
        root.check()
        return ()
    data = root.get("data")
    tracking_number = data.get("trackingNumber").text(max_length=64)
    event = _event(data.get("event"))
    estimate = data.optional("estimatedDelivery")
    eta = _estimate(estimate) if estimate else None
    root.check()
    return (TrackingSnapshot(tracking_number, event.status, (event,), eta),)


def parse_slots(body: Any) -> tuple[DeliverySlot, ...]:
    root = document(body)
    slots = []
    for node in root.get("slots").items():
        slot = _slot(node, capacity=node.get("remaining").optional_integer())
        if node.get("available").optional_boolean() is not False:
            slots.append(slot)
    root.check()
    return tuple(sorted(slots))


def parse_reschedule(body: Any) -> RescheduleConfirmation:
    root = document(body)
    change = root.get("reschedule")
    reference = change.get("reference").text(max_length=64)
    slot = _slot(change)
    root.check()
    return RescheduleConfirmation(reference, slot)


def parse_pickup_points(body: Any) -> tuple[PickupPointOffer, ...]:
    root = document(body)
    points = [_point(node) for node in root.get("pickupPoints").items()]
    root.check()
    return tuple(points)


def parse_booking(body: Any) -> PickupBooking:
    root = document(body)
    pickup = root.get("pickup")
    reference = pickup.get("bookingReference").text(max_length=64)
    slot = _slot(pickup)
    root.check()
    return PickupBooking(reference, slot)


def _event(node: Node) -> CarrierEvent:
    code = node.get("code").text(max_length=64)
    location = node.optional("location")
    place = None
    if location is not None:
        place = location.get("facility").optional_text(
            max_length=200, truncate=True
        ) or location.get("city").optional_text(max_length=200, truncate=True)
    return CarrierEvent(
        event_id=node.get("id").text(max_length=128),
        raw_code=code,
        status=TABLE.status_of(code),
        description=node.get("description").optional_text(max_length=500, truncate=True),
        location=place,
        occurred_at=node.get("occurredAt").iso_datetime(),
    )


def _estimate(node: Node) -> DeliveryEstimate:
    day = node.get("date").date()
    window = node.optional("window")
    if window is None:
        return DeliveryEstimate(day)
    start, end = _window(window)
    return DeliveryEstimate(day, start, end)


def _slot(node: Node, capacity: int | None = None) -> DeliverySlot:
    day = node.get("date").date()
    start, end = _window(node.get("window"))
    return DeliverySlot(day, start, end, capacity)


def _window(node: Node) -> tuple[dt.time, dt.time]:
    known = len(node.problems)
    start = node.get("from").clock_time()
    end = node.get("to").clock_time()
    if len(node.problems) == known and start >= end:
        node.problem("must end after it starts")
    return start, end


def _point(node: Node) -> PickupPointOffer:
    address = node.get("address")
    coordinates = node.get("coordinates")
    kind = node.get("type").text(max_length=32)
    hours = []
    for entry in node.get("openingHours").items(required=False):
        day = entry.get("day").text(max_length=3)
        if day and day not in _DAYS:
            entry.get("day").problem(f"must be one of {', '.join(_DAYS)}")
        weekday = _DAYS.index(day) + 1 if day in _DAYS else 1
        hours.append(
            OpeningHours(weekday, entry.get("open").clock_time(), entry.get("close").clock_time())
        )
    return PickupPointOffer(
        code=node.get("id").text(max_length=64),
        kind=_KINDS.get(kind, PickupPointKind.PICKUP_POINT),
        name=node.get("name").text(max_length=200),
        street=address.get("line1").text(max_length=200),
        postcode=address.get("postcode").text(max_length=16),
        city=address.get("city").text(max_length=100),
        country=address.get("country").text(max_length=2),
        latitude=coordinates.get("lat").number(),
        longitude=coordinates.get("lng").number(),
        distance_m=node.get("distanceMeters").optional_integer(),
        opening_hours=tuple(hours),
        has_room=node.get("hasCapacity").optional_boolean(),
    )


def _window_json(slot: DeliverySlot) -> dict[str, str]:
    return {"from": f"{slot.start:%H:%M}", "to": f"{slot.end:%H:%M}"}


def _quoted(tracking_number: str) -> str:
    return quote(tracking_number.strip(), safe="")
