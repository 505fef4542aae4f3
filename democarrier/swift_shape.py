"""Swift Parcels' JSON, as its API and webhook write it (tests/carriers/recordings/swift/).

camelCase, nested objects, ISO 8601 times in UTC with 'Z', events newest first, letter codes,
local dates and ``{"from", "to"}`` windows, errors as ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from delivery.vocabulary import PickupPointKind
from democarrier.model import Estimate, Parcel, PointRecord, SimEvent
from democarrier.slots import Confirmation, OfferedSlot

_DAYS = {day: day.upper() for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
_KINDS = {PickupPointKind.PICKUP_POINT: "SHOP", PickupPointKind.LOCKER: "LOCKER"}


def iso(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"


def window(start: dt.time, end: dt.time) -> dict[str, str]:
    return {"from": f"{start:%H:%M}", "to": f"{end:%H:%M}"}


def estimate(eta: Estimate | None) -> dict[str, Any] | None:
    if eta is None:
        return None
    span = eta.window
    return {"date": eta.date.isoformat(), "window": window(*span) if span else None}


def location(event: SimEvent, parcel: Parcel) -> dict[str, str] | None:
    """'Birmingham hub' is a facility in Birmingham; 'London' just a city."""
    if not event.location:
        return None
    place = event.location
    for suffix in (" hub", " depot"):
        if place.endswith(suffix):
            return {
                "facility": place,
                "city": place.removesuffix(suffix),
                "country": parcel.country,
            }
    if ", " in place:  # "<pickup point>, <city>"
        facility, _, city = place.rpartition(", ")
        return {"facility": facility, "city": city, "country": parcel.country}
    return {"city": place, "country": parcel.country}


def event(item: SimEvent, parcel: Parcel) -> dict[str, Any]:
    return {
        "id": item.event_id,
        "code": item.code,
        "description": item.description,
        "occurredAt": iso(item.occurred_at),
        "location": location(item, parcel),
    }


def tracking(parcel: Parcel) -> dict[str, Any]:
    last = parcel.events[-1]
    return {
        "shipment": {
            "trackingNumber": parcel.tracking_number,
            "service": "PICKUP_POINT" if parcel.point_name else "STANDARD",
            "status": {
                "code": last.code,
                "description": last.description,
                "updatedAt": iso(last.occurred_at),
            },
            "estimatedDelivery": None if parcel.finished else estimate(parcel.eta),
            "events": [event(item, parcel) for item in reversed(parcel.events)],
        }
    }


def delivery_options(parcel: Parcel, slots: Sequence[OfferedSlot], zone: str) -> dict[str, Any]:
    return {
        "trackingNumber": parcel.tracking_number,
        "timezone": zone,
        "slots": [
            {
                "date": slot.date.isoformat(),
                "window": window(slot.start, slot.end),
                "available": slot.remaining > 0,
                "remaining": slot.remaining,
            }
            for slot in slots
        ],
    }


def reschedule(confirmation: Confirmation) -> dict[str, Any]:
    return {
        "reschedule": {
            "reference": confirmation.reference,
            "trackingNumber": confirmation.subject,
            "date": confirmation.date.isoformat(),
            "window": window(confirmation.start, confirmation.end),
            "createdAt": iso(confirmation.created_at),
        }
    }


def pickup(confirmation: Confirmation) -> dict[str, Any]:
    return {
        "pickup": {
            "bookingReference": confirmation.reference,
            "reference": confirmation.subject,
            "date": confirmation.date.isoformat(),
            "window": window(confirmation.start, confirmation.end),
            "labelUrl": f"https://swift-parcels.example/labels/{confirmation.reference}.pdf",
        }
    }


def pickup_points(found: Sequence[tuple[int, PointRecord]]) -> dict[str, Any]:
    return {
        "pickupPoints": [_point(point, distance) for distance, point in found],
        "total": len(found),
    }


def _point(point: PointRecord, distance: int) -> dict[str, Any]:
    return {
        "id": point.code,
        "type": _KINDS[point.kind],
        "name": point.name,
        "address": {
            "line1": point.street,
            "postcode": point.postcode,
            "city": point.city,
            "country": point.country,
        },
        "coordinates": {"lat": point.latitude, "lng": point.longitude},
        "distanceMeters": distance,
        "openingHours": [
            {"day": _DAYS[day], "open": opens, "close": _closing(closes)}
            for day, spans in point.opening_hours.items()
            if day in _DAYS
            for opens, closes in spans
        ],
        "hasCapacity": point.free_places > 0,
    }


def _closing(text: str) -> str:
    """Swift writes midnight closing as 23:59 (its times are clock times, 24:00 is none)."""
    return "23:59" if text == "24:00" else text


def webhook(
    delivery_id: str, item: SimEvent, parcel: Parcel, eta: Estimate | None, sent_at: dt.datetime
) -> Any:
    """One tracking event with the estimate as of that event, as Swift's webhook posts it."""
    return {
        "id": delivery_id,
        "type": "tracking.updated",
        "createdAt": iso(sent_at),
        "data": {
            "trackingNumber": parcel.tracking_number,
            "event": event(item, parcel),
            "estimatedDelivery": estimate(eta),
        },
    }


def error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
