"""Swift Parcels' REST API (v2) over the simulated world, as delivery/carriers/swift.py calls it.

Every call needs the ``X-Api-Key``; changes need an ``Idempotency-Key`` and answer the same to
the same key. Mounted under :data:`democarrier.settings.SWIFT_PREFIX`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from delivery.demo.carriers import SWIFT
from democarrier import swift_shape
from democarrier.points import nearest, search_origin
from democarrier.runtime import (
    Runtime,
    api_key_matches,
    json_body,
    query_float,
    query_int,
    runtime,
)
from democarrier.slots import Refusal, Refused

API_KEY_HEADER = "X-Api-Key"
CODE = SWIFT.code
_REFUSALS = {
    Refusal.NOT_CHANGEABLE: (409, "NOT_RESCHEDULABLE"),
    Refusal.CUTOFF_PASSED: (409, "CUTOFF_PASSED"),
    Refusal.NOT_OFFERED: (422, "SLOT_UNAVAILABLE"),
    Refusal.FULL: (409, "SLOT_FULL"),
    Refusal.KEY_REUSED: (422, "IDEMPOTENCY_KEY_REUSED"),
}

Handler = Callable[[Request, Runtime], Awaitable[Response]]


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(swift_shape.error(code, message), status_code=status)


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The API key checked first; bad input and refusals answered in Swift's error shape."""

    async def endpoint(request: Request) -> Response:
        demo = runtime(request)
        if not api_key_matches(request, API_KEY_HEADER, demo.credentials.swift_api_key):
            return error(401, "UNAUTHORIZED", f"A valid {API_KEY_HEADER} header is required.")
        try:
            return await handler(request, demo)
        except Refused as refused:
            status, code = _REFUSALS[refused.reason]
            return error(status, code, refused.message)
        except (ValueError, KeyError, TypeError, AttributeError) as bad:
            return error(400, "VALIDATION_ERROR", f"The request is not valid: {bad}")

    return endpoint


def _not_found(tracking_number: str) -> JSONResponse:
    return error(404, "SHIPMENT_NOT_FOUND", f"No shipment {tracking_number!r}.")


async def tracking(request: Request, demo: Runtime) -> Response:
    number = request.path_params["tracking_number"]
    parcel = demo.world.parcel(CODE, number)
    if parcel is None:
        return _not_found(number)
    return JSONResponse(swift_shape.tracking(parcel))


async def delivery_options(request: Request, demo: Runtime) -> Response:
    number = request.path_params["tracking_number"]
    parcel = demo.world.parcel(CODE, number)
    if parcel is None:
        return _not_found(number)
    now = demo.clock()
    given = request.query_params.get("from")
    start = dt.date.fromisoformat(given) if given else now.astimezone(SWIFT.zone).date()
    days = query_int(request, "days", 7, low=1, high=31)
    slots = demo.bookings[CODE].slots(from_date=start, days=days, now=now)
    return JSONResponse(swift_shape.delivery_options(parcel, slots, SWIFT.timezone))


async def reschedule(request: Request, demo: Runtime) -> Response:
    number = request.path_params["tracking_number"]
    parcel = demo.world.parcel(CODE, number)
    if parcel is None:
        return _not_found(number)
    key = _idempotency_key(request)
    body = await json_body(request)
    confirmation = demo.bookings[CODE].reschedule(
        parcel,
        _slot(body),
        key=key,
        now=demo.clock(),
        reference=lambda n, day: f"RSC-{day:%m%d}-{n:05d}",
    )
    return JSONResponse(swift_shape.reschedule(confirmation))


async def pickup_points(request: Request, demo: Runtime) -> Response:
    points = demo.world.points.get(CODE, [])
    origin = search_origin(
        SWIFT,
        points,
        latitude=query_float(request, "lat"),
        longitude=query_float(request, "lng"),
        postcode=request.query_params.get("postcode"),
        city=request.query_params.get("city"),
        country=request.query_params.get("country"),
    )
    limit = query_int(request, "limit", 5, low=1, high=50)
    found = nearest(points, origin, limit=limit) if origin is not None else []
    return JSONResponse(swift_shape.pickup_points(found))


async def book_return_pickup(request: Request, demo: Runtime) -> Response:
    key = _idempotency_key(request)
    body = await json_body(request)
    reference = str(body["reference"]).strip()
    address = body["collectionAddress"]
    missing = [name for name in ("line1", "postcode", "city", "country") if not address.get(name)]
    if not reference or missing:
        raise ValueError(f"reference and collectionAddress {', '.join(missing)} are required")
    if int(body.get("parcels", 1)) < 1:
        raise ValueError("parcels must be at least 1")
    confirmation = demo.bookings[CODE].book_pickup(
        reference,
        _slot(body),
        key=key,
        now=demo.clock(),
        reference=lambda n, day: f"SWR-{day:%Y%m%d}-{n:04d}",
    )
    return JSONResponse(swift_shape.pickup(confirmation))


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ValueError("the Idempotency-Key header is required")
    return key


def _slot(body: Any) -> tuple[dt.date, dt.time, dt.time]:
    window = body["window"]
    return (
        dt.date.fromisoformat(body["date"]),
        dt.time.fromisoformat(window["from"]),
        dt.time.fromisoformat(window["to"]),
    )


def routes() -> list[Route]:
    shipment = "/v2/shipments/{tracking_number}"
    return [
        Route(f"{shipment}/tracking", _endpoint(tracking), methods=["GET"]),
        Route(f"{shipment}/delivery-options", _endpoint(delivery_options), methods=["GET"]),
        Route(f"{shipment}/reschedule", _endpoint(reschedule), methods=["POST"]),
        Route("/v2/pickup-points", _endpoint(pickup_points), methods=["GET"]),
        Route("/v2/returns/pickups", _endpoint(book_return_pickup), methods=["POST"]),
    ]
