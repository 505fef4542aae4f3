"""How the format's fields map onto the model's columns (items have passed validation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from delivery.importer.values import (
    optional_date,
    optional_datetime,
    parse_date,
    parse_datetime,
    window,
)
from delivery.normalize import email_key, order_number_key, phone_key, postcode_key, text_key
from delivery.vocabulary import OrderStatus, PickupPointKind, ShipmentStatus

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_LANGUAGE = "en"
DEFAULT_TIMEZONE = "Europe/London"


def assign(row: object, columns: Mapping[str, Any]) -> bool:
    """Set the columns whose values differ; True when anything changed."""
    changed = False
    for name, value in columns.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def carrier_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": item["code"],
        "name": item["name"],
        "timezone": item["timezone"],
        "tracking_url_template": item.get("tracking_url_template"),
        "reschedule_cutoff_hours": int(item["reschedule_cutoff_hours"]),
        "reschedule_max_days_ahead": int(item["reschedule_max_days_ahead"]),
        "delivery_windows": [[start, end] for start, end in item["delivery_windows"]],
        "delivery_weekdays": [int(day) for day in item["delivery_weekdays"]],
        "slot_capacity": int(item["slot_capacity"]),
        "supports_pickup_points": item["supports_pickup_points"],
        "supports_return_pickup": item["supports_return_pickup"],
    }


def pickup_point_columns(item: Mapping[str, Any], *, carrier_id: int) -> dict[str, Any]:
    hours = item["opening_hours"]
    return {
        "code": item["code"],
        "carrier_id": carrier_id,
        "kind": PickupPointKind(item["kind"]),
        "name": item["name"],
        "street": item["street"],
        "city": item["city"],
        "city_key": text_key(item["city"]),
        "postcode": item["postcode"],
        "postcode_key": postcode_key(item["postcode"]),
        "country": item["country"],
        "latitude": float(item["latitude"]),
        "longitude": float(item["longitude"]),
        # Every weekday present, so readers need not know that a missing day means closed.
        "opening_hours": {day: [list(r) for r in hours.get(day, [])] for day in WEEKDAYS},
        "capacity": int(item["capacity"]),
        "active": item.get("active") is not False,
    }


def customer_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    phone = item.get("phone") or None
    return {
        "external_id": item["id"],
        "name": item["name"],
        "email": item["email"].strip(),
        "email_key": email_key(item["email"]),
        "phone": phone,
        "phone_key": phone_key(phone) if phone else None,
        "language": item.get("language") or DEFAULT_LANGUAGE,
        "timezone": item.get("timezone") or DEFAULT_TIMEZONE,
    }


def order_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "number": item["number"],
        "number_key": order_number_key(item["number"]),
        "status": OrderStatus(item.get("status") or OrderStatus.OPEN),
        "placed_at": parse_datetime(item["placed_at"]),
        "currency": item["currency"],
    }


def line_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "line_ref": item["id"],
        "sku": item["sku"],
        "name": item["name"],
        "quantity": int(item["quantity"]),
        "unit_price_minor": int(item["unit_price"]),
        "returnable": item.get("returnable") is not False,
        "image_url": item.get("image_url"),
    }


def shipment_columns(
    item: Mapping[str, Any], *, carrier_id: int, pickup_point_id: int | None
) -> dict[str, Any]:
    """Every column the file decides (not original_promised_date nor status_updated_at)."""
    promised_start, promised_end = window(item.get("promised_window"))
    eta_start, eta_end = window(item.get("eta_window"))
    address = item["address"]
    return {
        "carrier_id": carrier_id,
        "tracking_number": item["tracking_number"],
        "status": ShipmentStatus(item["status"]),
        "promised_date": parse_date(item["promised_date"]),
        "promised_window_start": promised_start,
        "promised_window_end": promised_end,
        "eta_date": optional_date(item.get("eta_date")),
        "eta_window_start": eta_start,
        "eta_window_end": eta_end,
        "shipped_at": optional_datetime(item.get("shipped_at")),
        "delivered_at": optional_datetime(item.get("delivered_at")),
        "recipient_name": address["name"],
        "street": address["street"],
        "city": address["city"],
        "postcode": address["postcode"],
        "postcode_key": postcode_key(address["postcode"]),
        "country": address["country"],
        "latitude": _optional_float(address.get("latitude")),
        "longitude": _optional_float(address.get("longitude")),
        "pickup_point_id": pickup_point_id,
    }


def status_time(item: Mapping[str, Any], *, now: dt.datetime) -> dt.datetime:
    """When the shipment reached its status: its latest event with that status, else now."""
    if item["status"] == ShipmentStatus.DELIVERED and item.get("delivered_at"):
        return parse_datetime(item["delivered_at"])
    moments = [
        parse_datetime(event["occurred_at"])
        for event in item.get("events") or []
        if event["status"] == item["status"]
    ]
    return max(moments, default=now)


def event_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "external_id": item.get("id"),
        "status": ShipmentStatus(item["status"]),
        "raw_code": item["code"],
        "description": item.get("description"),
        "location": item.get("location"),
        "occurred_at": parse_datetime(item["occurred_at"]),
    }


def _optional_float(value: float | None) -> float | None:
    return float(value) if value is not None else None
