"""Boreal Express' JSON, as its API and webhook write it (tests/carriers/recordings/boreal/).

snake_case, flat rows oldest first, numeric status codes and event numbers, epoch-second
timestamps, dates ``YYYYMMDD`` and windows ``HHMM-HHMM`` in local time, bilingual status texts,
errors as ``{"status": "ERROR", "error_code", "error_text"}``.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from typing import Any

from delivery.demo.carriers import EventKind
from delivery.vocabulary import PickupPointKind
from democarrier.model import Estimate, Parcel, PointRecord, SimEvent
from democarrier.slots import Confirmation, OfferedSlot

_WEEKDAYS = {day: n for n, day in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 1)}
_KINDS = {PickupPointKind.PICKUP_POINT: 1, PickupPointKind.LOCKER: 2}
#: Boreal writes its texts in Finnish first.
_FINNISH = {
    EventKind.LABEL: "Lähetystiedot vastaanotettu",
    EventKind.COLLECTED: "Noudettu lähettäjältä",
    EventKind.HUB_IN: "Saapunut terminaaliin",
    EventKind.HUB_OUT: "Lähtenyt terminaalista",
    EventKind.DEPOT: "Jakeluterminaalissa",
    EventKind.OUT_FOR_DELIVERY: "Jakelussa",
    EventKind.DELIVERED: "Toimitettu",
    EventKind.AT_POINT: "Noudettavissa palvelupisteestä",
    EventKind.PICKED_UP: "Noudettu palvelupisteestä",
    EventKind.NOBODY_HOME: "Jakeluyritys epäonnistui",
    EventKind.DELAYED: "Viivästynyt",
    EventKind.DAMAGED: "Vaurioitunut",
    EventKind.ADDRESS_PROBLEM: "Osoite puutteellinen",
    EventKind.RETURNED: "Palautettu lähettäjälle",
}


def day(value: dt.date) -> str:
    return f"{value:%Y%m%d}"


def window(start: dt.time, end: dt.time) -> str:
    return f"{start:%H%M}-{end:%H%M}"


def estimate(eta: Estimate | None) -> dict[str, str] | None:
    if eta is None:
        return None
    span = eta.window
    return {"date": day(eta.date), "window": window(*span)} if span else {"date": day(eta.date)}


def event_number(event_id: str) -> int:
    """Boreal's ids are numbers; an id stored in another form gets a stable number of its own."""
    return int(event_id) if event_id.isdigit() else zlib.crc32(event_id.encode()) or 1


def status_text(item: SimEvent) -> str:
    """'Jakelussa / Out for delivery' (a text read back from the database already is)."""
    finnish = _FINNISH.get(item.kind) if item.kind is not None else None
    if not finnish or item.description.startswith(finnish):
        return item.description
    return f"{finnish} / {item.description}"


def row(item: SimEvent, parcel: Parcel) -> dict[str, Any]:
    return {
        "event_no": event_number(item.event_id),
        "status_code": int(item.code),
        "status_text": status_text(item),
        "place": item.location,
        "country": parcel.country,
        "timestamp": int(item.occurred_at.timestamp()),
    }


def expressible(parcel: Parcel) -> list[SimEvent]:
    """The parcel's events Boreal can write (its codes are numbers)."""
    return [item for item in parcel.events if item.code.isdigit()]


def events_page(parcel: Parcel, *, page: int, per_page: int) -> dict[str, Any]:
    events = expressible(parcel)
    pages = max(1, -(-len(events) // per_page))
    chunk = events[(page - 1) * per_page : page * per_page]
    last = events[-1] if events else None
    return {
        "shipment_no": parcel.tracking_number,
        "product": "BX_POINT" if parcel.point_name else "BX_HOME",
        "status_code": int(last.code) if last else 10,
        "eta": None if parcel.finished else estimate(parcel.eta),
        "events": [row(item, parcel) for item in chunk],
        "paging": {"page": page, "pages": pages, "per_page": per_page, "total": len(events)},
    }


def timeslots(parcel: Parcel, slots: Sequence[OfferedSlot], zone: str) -> dict[str, Any]:
    return {
        "shipment_no": parcel.tracking_number,
        "timezone": zone,
        "timeslots": [
            {"date": day(slot.date), "window": window(slot.start, slot.end), "free": slot.remaining}
            for slot in slots
        ],
    }


def timeslot_confirmed(confirmation: Confirmation) -> dict[str, Any]:
    return {
        "status": "OK",
        "confirmation_no": confirmation.reference,
        "shipment_no": confirmation.subject,
        "date": day(confirmation.date),
        "window": window(confirmation.start, confirmation.end),
    }


def points(found: Sequence[tuple[int, PointRecord]]) -> dict[str, Any]:
    return {"points": [_point(point, distance) for distance, point in found], "count": len(found)}


def _point(point: PointRecord, distance: int) -> dict[str, Any]:
    return {
        "point_id": point.code,
        "type": _KINDS[point.kind],
        "name": point.name,
        "street_address": point.street,
        "postal_code": point.postcode,
        "city": point.city,
        "country": point.country,
        "lat": point.latitude,
        "lon": point.longitude,
        "distance_m": distance,
        "opening_hours": [
            {"weekday": _WEEKDAYS[name], "opens": _hhmm(opens), "closes": _hhmm(closes)}
            for name, spans in point.opening_hours.items()
            if name in _WEEKDAYS
            for opens, closes in spans
        ],
        "free_compartments": point.free_places,
    }


def _hhmm(text: str) -> str:
    """'08:30' -> '0830'; midnight closing '24:00' -> '2359' (as Boreal writes it)."""
    return "2359" if text == "24:00" else text.replace(":", "")


def batch(batch_id: str, rows: Sequence[dict[str, Any]], sent_at: dt.datetime) -> Any:
    """Event rows over many parcels, as Boreal's webhook posts them."""
    return {"batch_id": batch_id, "sent_at": int(sent_at.timestamp()), "events": list(rows)}


def batch_row(item: SimEvent, parcel: Parcel, eta: Estimate | None) -> dict[str, Any]:
    """A webhook row: the event, its parcel and the estimate as of that event."""
    fields = {"shipment_no": parcel.tracking_number, **row(item, parcel)}
    shown = estimate(eta)
    return fields | {"eta": shown} if shown else fields


def error(code: str, text: str) -> dict[str, Any]:
    return {"status": "ERROR", "error_code": code, "error_text": text}
