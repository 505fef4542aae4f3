"""Boreal Express: a flat JSON API (v1) with numeric status codes and paged events.

HTTP basic auth; events are flat rows, oldest first, with a numeric ``status_code`` and an
epoch-second ``timestamp``, paged (``paging.pages``); dates are ``YYYYMMDD`` and windows
``HHMM-HHMM`` in local time (Europe/Helsinki); errors are ``{"status": "ERROR", "error_code",
"error_text"}``; a change takes an ``X-Request-Id`` as its idempotency key. No return pickups.
Its webhook posts a batch of event rows over many parcels, each row naming its ``shipment_no``.
Shapes: tests/carriers/recordings/boreal/.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from delivery.carriers.errors import CarrierUnsupported
from delivery.carriers.http import CarrierHttp
from delivery.carriers.mapping import BOREAL as TABLE
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

logger = logging.getLogger(__name__)

CODE = "boreal"
REQUEST_ID_HEADER = "X-Request-Id"
PER_PAGE = 100
#: A parcel with more event pages than this is a carrier bug; we stop reading there.
MAX_PAGES = 20
_DATE = "%Y%m%d"
_TIME = "%H%M"
_KINDS = {1: PickupPointKind.PICKUP_POINT, 2: PickupPointKind.LOCKER}


def rejection(body: Any) -> tuple[str | None, str | None]:
    """Boreal's 4xx body: ``{"status": "ERROR", "error_code": "E_CUTOFF", "error_text": ...}``."""
    return str(body["error_code"]), str(body["error_text"])


@dataclass(frozen=True)
class EventPage:
    """One page of a parcel's events."""

    snapshot: TrackingSnapshot
    page: int
    pages: int


class BorealAdapter:
    """Boreal Express through :class:`CarrierHttp` (made with :func:`rejection`)."""

    code = CODE

    def __init__(self, http: CarrierHttp) -> None:
        self.http = http

    def fetch_tracking(self, tracking_number: str) -> TrackingSnapshot:
        path = f"/api/v1/shipments/{_quoted(tracking_number)}/events"
        first = self._page(path, 1)
        events = list(first.snapshot.events)
        if first.pages > MAX_PAGES:
            logger.warning("boreal %s: %d pages of events, read %d", path, first.pages, MAX_PAGES)
        for number in range(2, min(first.pages, MAX_PAGES) + 1):
            events.extend(self._page(path, number).snapshot.events)
        return merge_pages(first.snapshot, events)

    def list_delivery_slots(
        self, tracking_number: str, from_date: dt.date, days: int
    ) -> tuple[DeliverySlot, ...]:
        body = self.http.get_json(
            f"/api/v1/shipments/{_quoted(tracking_number)}/timeslots",
            params={"date": from_date.strftime(_DATE), "days": days},
        )
        return parse_response(CODE, parse_slots, body)

    def reschedule(
        self, tracking_number: str, slot: DeliverySlot, *, idempotency_key: str
    ) -> RescheduleConfirmation:
        body = self.http.post_json(
            f"/api/v1/shipments/{_quoted(tracking_number)}/timeslot",
            {"date": slot.date.strftime(_DATE), "window": _window_text(slot)},
            idempotency_key=idempotency_key,
            idempotency_header=REQUEST_ID_HEADER,
        )
        return parse_response(CODE, parse_reschedule, body)

    def search_pickup_points(self, near: Near, limit: int = 5) -> tuple[PickupPointOffer, ...]:
        params: dict[str, str | int | float] = {"limit": limit}
        if isinstance(near, NearPlace):
            if near.postcode:
                params["postal_code"] = near.postcode
            else:
                params["city"] = near.city or ""
            if near.country:
                params["country"] = near.country
        else:
            params.update(lat=near.latitude, lon=near.longitude)
        body = self.http.get_json("/api/v1/points", params=params)
        return parse_response(CODE, parse_points, body)

    def book_pickup(self, request: ReturnPickupRequest) -> PickupBooking:
        raise CarrierUnsupported(CODE, "a return pickup")

    def parse_webhook(self, document: Any) -> tuple[TrackingSnapshot, ...]:
        return parse_webhook(document)

    def _page(self, path: str, number: int) -> EventPage:
        body = self.http.get_json(path, params={"page": number, "per_page": PER_PAGE})
        return parse_response(CODE, parse_event_page, body)


# --- parsing (pure; the webhook's rows are the events' rows plus shipment_no) ---------------


def parse_event_page(body: Any) -> EventPage:
    root = document(body)
    tracking_number = root.get("shipment_no").text(max_length=64)
    status_code = _code(root.get("status_code"))
    events = [_event(node) for node in root.get("events").items()]
    estimate = root.optional("eta")
    eta = _estimate(estimate) if estimate else None
    paging = root.get("paging")
    page, pages = paging.get("page").integer(), paging.get("pages").integer()
    if pages < 1 or not 1 <= page <= pages:
        paging.problem("page must be between 1 and pages")
    root.check()
    snapshot = TrackingSnapshot(tracking_number, TABLE.status_of(status_code), (), eta)
    return EventPage(merge_pages(snapshot, events), page, pages)


def merge_pages(first: TrackingSnapshot, events: list[CarrierEvent]) -> TrackingSnapshot:
    """The parcel's snapshot with every page's events, oldest first."""
    ordered = tuple(sorted(events, key=lambda event: event.occurred_at))
    return TrackingSnapshot(first.tracking_number, first.status, ordered, first.eta)


def parse_webhook(body: Any) -> tuple[TrackingSnapshot, ...]:
    """A batch of event rows, grouped by parcel in the order they first appear."""
    root = document(body)
    root.get("batch_id").text(max_length=128)
    grouped: dict[str, list[tuple[CarrierEvent, DeliveryEstimate | None]]] = {}
    for node in root.get("events").items():
        tracking_number = node.get("shipment_no").text(max_length=64)
        estimate = node.optional("eta")
        row = (_event(node), _estimate(estimate) if estimate else None)
        grouped.setdefault(tracking_number, []).append(row)
    root.check()
    snapshots = []
    for tracking_number, rows in grouped.items():
        rows.sort(key=lambda row: row[0].occurred_at)
        events = tuple(event for event, _ in rows)
        # Each row carries the estimate as of its event: the newest event's is the newest word.
        eta = next((eta for _, eta in reversed(rows) if eta is not None), None)
        snapshots.append(TrackingSnapshot(tracking_number, events[-1].status, events, eta))
    return tuple(snapshots)


def parse_slots(body: Any) -> tuple[DeliverySlot, ...]:
    root = document(body)
    slots = []
    for node in root.get("timeslots").items():
        free = node.get("free").integer()
        slot = _slot(node, capacity=free)
        if free > 0:
            slots.append(slot)
    root.check()
    return tuple(sorted(slots))


def parse_reschedule(body: Any) -> RescheduleConfirmation:
    root = document(body)
    if root.get("status").text(max_length=16) not in ("", "OK"):
        root.get("status").problem("must be 'OK' in a successful answer")
    reference = root.get("confirmation_no").text(max_length=64)
    slot = _slot(root)
    root.check()
    return RescheduleConfirmation(reference, slot)


def parse_points(body: Any) -> tuple[PickupPointOffer, ...]:
    root = document(body)
    points = [_point(node) for node in root.get("points").items()]
    root.check()
    return tuple(points)


def _code(node: Node) -> str:
    """A numeric status code as the text stored in ``raw_code`` ("" when missing or bad)."""
    value = node.integer()
    return str(value) if value else ""  # Boreal has no code 0


def _event(node: Node) -> CarrierEvent:
    code = _code(node.get("status_code"))
    return CarrierEvent(
        event_id=str(node.get("event_no").integer()),
        raw_code=code,
        status=TABLE.status_of(code),
        description=node.get("status_text").optional_text(max_length=500, truncate=True),
        location=node.get("place").optional_text(max_length=200, truncate=True),
        occurred_at=node.get("timestamp").epoch_datetime(),
    )


def _estimate(node: Node) -> DeliveryEstimate:
    day = node.get("date").date(_DATE)
    window = node.get("window")
    if not window.present:
        return DeliveryEstimate(day)
    start, end = _parse_window(window)
    return DeliveryEstimate(day, start, end)


def _slot(node: Node, capacity: int | None = None) -> DeliverySlot:
    day = node.get("date").date(_DATE)
    start, end = _parse_window(node.get("window"))
    return DeliverySlot(day, start, end, capacity)


def _parse_window(node: Node) -> tuple[dt.time, dt.time]:
    """'1300-1800' (local time)."""
    text = node.text(max_length=16)
    start_text, _, end_text = text.partition("-")
    try:
        start = dt.datetime.strptime(start_text, _TIME).time()  # a local wall time
        end = dt.datetime.strptime(end_text, _TIME).time()
    except ValueError:
        if text:
            node.problem("must be a window like '1300-1800'")
        return dt.time(0, 0), dt.time(0, 0)
    if start >= end:
        node.problem("must end after it starts")
    return start, end


def _point(node: Node) -> PickupPointOffer:
    kind = node.get("type").integer()
    if kind and kind not in _KINDS:
        logger.info("boreal point type %d unknown; listed as a pickup point", kind)
    hours = tuple(
        OpeningHours(
            _weekday(entry.get("weekday")),
            entry.get("opens").clock_time(_TIME),
            entry.get("closes").clock_time(_TIME),
        )
        for entry in node.get("opening_hours").items(required=False)
    )
    free = node.get("free_compartments").optional_integer()
    return PickupPointOffer(
        code=node.get("point_id").text(max_length=64),
        kind=_KINDS.get(kind, PickupPointKind.PICKUP_POINT),
        name=node.get("name").text(max_length=200),
        street=node.get("street_address").text(max_length=200),
        postcode=node.get("postal_code").text(max_length=16),
        city=node.get("city").text(max_length=100),
        country=node.get("country").text(max_length=2),
        latitude=node.get("lat").number(),
        longitude=node.get("lon").number(),
        distance_m=node.get("distance_m").optional_integer(),
        opening_hours=hours,
        has_room=None if free is None else free > 0,
    )


def _weekday(node: Node) -> int:
    day = node.integer()
    if node.present and not 1 <= day <= 7:
        node.problem("must be an ISO weekday, 1 (Monday) to 7")
    return day


def _window_text(slot: DeliverySlot) -> str:
    return f"{slot.start:%H%M}-{slot.end:%H%M}"


def _quoted(tracking_number: str) -> str:
    return quote(tracking_number.strip(), safe="")
