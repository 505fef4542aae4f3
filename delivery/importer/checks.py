"""Rules one item must follow beyond its schema.

They run whether or not the item matched its schema (so a file's every error shows at once),
and so they look only at values of the expected type and skip the rest, which the schema
reports. Each function yields (path, message) with paths relative to the item. Rules that
need the rest of the file or the database live in :mod:`delivery.importer.validation`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from delivery.importer.errors import Path
from delivery.importer.values import is_known_timezone
from delivery.normalize import order_number_key
from delivery.vocabulary import ShipmentStatus

Problem = tuple[Path, str]

_LOCAL_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def objects(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, item) for the objects of a list; anything else yields nothing."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def check_carrier(carrier: dict[str, Any]) -> Iterator[Problem]:
    yield from _timezone(carrier.get("timezone"), ("timezone",))
    windows = carrier.get("delivery_windows")
    for i, pair in enumerate(windows if isinstance(windows, list) else []):
        yield from _range(pair, ("delivery_windows", i))


def check_pickup_point(point: dict[str, Any]) -> Iterator[Problem]:
    hours = point.get("opening_hours")
    for day, ranges in hours.items() if isinstance(hours, dict) else ():
        for i, pair in enumerate(ranges if isinstance(ranges, list) else []):
            yield from _range(pair, ("opening_hours", day, i))


def check_order(order: dict[str, Any]) -> Iterator[Problem]:
    number = text(order.get("number"))
    if number is not None and not order_number_key(number):
        yield ("number",), "must contain letters or digits"
    customer = order.get("customer")
    if isinstance(customer, dict):
        yield from _timezone(customer.get("timezone"), ("customer", "timezone"))
    line_ids: set[str] = set()
    for i, line in objects(order.get("lines")):
        line_id = text(line.get("id"))
        if line_id is None:
            continue
        if line_id in line_ids:
            yield ("lines", i, "id"), f"duplicate line id {line_id!r} in this order"
        line_ids.add(line_id)
    shipped: dict[str, int] = {}  # line id -> index of the shipment carrying it
    for s, shipment in objects(order.get("shipments")):
        base: Path = ("shipments", s)
        refs = shipment.get("lines")
        for j, line_id in enumerate(refs if isinstance(refs, list) else []):
            if not isinstance(line_id, str):
                continue
            if line_id not in line_ids:
                yield (*base, "lines", j), f"unknown line id {line_id!r}: not a line of this order"
            elif line_id in shipped:
                where = (
                    "this shipment" if shipped[line_id] == s else f"shipments[{shipped[line_id]}]"
                )
                yield (*base, "lines", j), f"line {line_id!r} is already in {where}"
            else:
                shipped[line_id] = s
        yield from check_shipment(shipment, base)


def check_shipment(shipment: dict[str, Any], base: Path) -> Iterator[Problem]:
    if shipment.get("status") == ShipmentStatus.DELIVERED and not shipment.get("delivered_at"):
        yield (*base, "delivered_at"), "is required when the status is delivered"
    for name in ("promised_window", "eta_window"):
        window = shipment.get(name)
        if isinstance(window, dict):
            yield from _range([window.get("start"), window.get("end")], (*base, name, "end"))
    if shipment.get("eta_window") is not None and shipment.get("eta_date") is None:
        yield (*base, "eta_date"), "is required when eta_window is given"
    event_ids: set[str] = set()
    for e, event in objects(shipment.get("events")):
        event_id = text(event.get("id"))
        if event_id is None:
            continue
        if event_id in event_ids:
            yield (*base, "events", e, "id"), f"duplicate event id {event_id!r} in this shipment"
        event_ids.add(event_id)


def _timezone(name: Any, path: Path) -> Iterator[Problem]:
    if isinstance(name, str) and name and not is_known_timezone(name):
        yield path, f"unknown timezone {name!r} (expected an IANA name like Europe/Rome)"


def _range(pair: Any, path: Path) -> Iterator[Problem]:
    """[start, end] "HH:MM" times: end after start (ill-formed times are the schema's job)."""
    if not isinstance(pair, list) or len(pair) != 2:
        return
    start, end = pair
    if not (isinstance(start, str) and isinstance(end, str)):
        return
    if _LOCAL_TIME.match(start) and _LOCAL_TIME.match(end) and end <= start:
        # "HH:MM" strings of the same width compare like the times they stand for.
        yield path, f"end {end} must be after start {start}"
