"""Boreal Express' API (v1) over the simulated world, as delivery/carriers/boreal.py calls it.

HTTP basic auth on every call; events paged (``page``, ``per_page`` up to 100); a timeslot
change needs an ``X-Request-Id`` and answers the same to the same id. Boreal offers no return
pickups. Mounted under :data:`democarrier.settings.BOREAL_PREFIX`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from delivery.demo.carriers import BOREAL
from democarrier import boreal_shape
from democarrier.points import nearest, search_origin
from democarrier.runtime import (
    Runtime,
    basic_auth_matches,
    json_body,
    query_float,
    query_int,
    runtime,
)
from democarrier.slots import Refusal, Refused

REQUEST_ID_HEADER = "X-Request-Id"
CODE = BOREAL.code
MAX_PER_PAGE = 100
_DATE = "%Y%m%d"
_TIME = "%H%M"
_REFUSALS = {
    Refusal.NOT_CHANGEABLE: (409, "E_NOT_CHANGEABLE"),
    Refusal.CUTOFF_PASSED: (409, "E_CUTOFF"),
    Refusal.NOT_OFFERED: (422, "E_TIMESLOT"),
    Refusal.FULL: (409, "E_TIMESLOT_FULL"),
    Refusal.KEY_REUSED: (422, "E_REQUEST_ID"),
}

Handler = Callable[[Request, Runtime], Awaitable[Response]]


def error(status: int, code: str, text: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(boreal_shape.error(code, text), status_code=status, headers=headers)


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Basic auth checked first; bad input and refusals answered in Boreal's error shape."""

    async def endpoint(request: Request) -> Response:
        demo = runtime(request)
        credentials = demo.credentials
        if not basic_auth_matches(request, credentials.boreal_user, credentials.boreal_password):
            return error(
                401,
                "E_AUTH",
                "Tunnistautuminen epäonnistui / Authentication failed",
                {"WWW-Authenticate": 'Basic realm="Boreal Express API"'},
            )
        try:
            return await handler(request, demo)
        except Refused as refused:
            status, code = _REFUSALS[refused.reason]
            return error(status, code, refused.message)
        except (ValueError, KeyError, TypeError, AttributeError) as bad:
            return error(400, "E_REQUEST", f"Virheellinen pyyntö / Bad request: {bad}")

    return endpoint


def _not_found(tracking_number: str) -> Response:
    text = f"Lähetystä ei löydy / Shipment {tracking_number!r} not found"
    return error(404, "E_NOT_FOUND", text)


async def events(request: Request, demo: Runtime) -> Response:
    number = request.path_params["tracking_number"]
    parcel = demo.world.parcel(CODE, number)
    if parcel is None:
        return _not_found(number)
    per_page = query_int(request, "per_page", MAX_PER_PAGE, low=1, high=MAX_PER_PAGE)
    page = query_int(request, "page", 1, low=1, high=10_000)
    body = boreal_shape.events_page(parcel, page=page, per_page=per_page)
    if page > body["paging"]["pages"]:
        raise ValueError(f"page must be at most {body['paging']['pages']}")
    return JSONResponse(body)


async def timeslots(request: Request, demo: Runtime) -> Response:
    number = request.path_params["tracking_number"]
    parcel = demo.world.parcel(CODE, number)
    if parcel is None:
        return _not_found(number)
    now = demo.clock()
    given = request.query_params.get("date")
    start = _date(given) if given else now.astimezone(BOREAL.zone).date()
    days = query_int(request, "days", 7, low=1, high=31)
    slots = demo.bookings[CODE].slots(from_date=start, days=days, now=now)
    return JSONResponse(boreal_shape.timeslots(parcel, slots, BOREAL.timezone))


async def change_timeslot(request: Request, demo: Runtime) -> Response:
    number = request.path_params["tracking_number"]
    parcel = demo.world.parcel(CODE, number)
    if parcel is None:
        return _not_found(number)
    key = request.headers.get(REQUEST_ID_HEADER, "").strip()
    if not key:
        raise ValueError(f"the {REQUEST_ID_HEADER} header is required")
    confirmation = demo.bookings[CODE].reschedule(
        parcel,
        _slot(await json_body(request)),
        key=key,
        now=demo.clock(),
        reference=lambda n, day: f"BXR-{day:%m%d}-{n:05d}",
    )
    return JSONResponse(boreal_shape.timeslot_confirmed(confirmation))


async def points(request: Request, demo: Runtime) -> Response:
    known = demo.world.points.get(CODE, [])
    origin = search_origin(
        BOREAL,
        known,
        latitude=query_float(request, "lat"),
        longitude=query_float(request, "lon"),
        postcode=request.query_params.get("postal_code"),
        city=request.query_params.get("city"),
        country=request.query_params.get("country"),
    )
    limit = query_int(request, "limit", 5, low=1, high=50)
    found = nearest(known, origin, limit=limit) if origin is not None else []
    return JSONResponse(boreal_shape.points(found))


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, _DATE).date()  # a plain local date


def _slot(body: Any) -> tuple[dt.date, dt.time, dt.time]:
    start, _, end = str(body["window"]).partition("-")
    return (
        _date(str(body["date"])),
        dt.datetime.strptime(start, _TIME).time(),  # local wall times
        dt.datetime.strptime(end, _TIME).time(),
    )


def routes() -> list[Route]:
    shipment = "/api/v1/shipments/{tracking_number}"
    return [
        Route(f"{shipment}/events", _endpoint(events), methods=["GET"]),
        Route(f"{shipment}/timeslots", _endpoint(timeslots), methods=["GET"]),
        Route(f"{shipment}/timeslot", _endpoint(change_timeslot), methods=["POST"]),
        Route("/api/v1/points", _endpoint(points), methods=["GET"]),
    ]
