"""Rules within one item, beyond its schema; they tolerate ill-typed values."""

from __future__ import annotations

from typing import Any

from delivery.importer.checks import check_carrier, check_order, check_pickup_point
from tests.importer.documents import CARRIER, PICKUP_POINT, order


def _problems(found: Any) -> list[tuple[tuple[str | int, ...], str]]:
    return list(found)


def test_a_valid_order_passes() -> None:
    assert _problems(check_order(order())) == []


def test_line_ids_and_shipment_references() -> None:
    item = order()
    item["lines"].append({"id": "1", "sku": "X", "name": "X", "quantity": 1, "unit_price": 1})
    second = dict(item["shipments"][0], tracking_number="T2", lines=["2", "9", "2"])
    item["shipments"].append(second)
    assert _problems(check_order(item)) == [
        (("lines", 2, "id"), "duplicate line id '1' in this order"),
        (("shipments", 1, "lines", 0), "line '2' is already in shipments[0]"),
        (("shipments", 1, "lines", 1), "unknown line id '9': not a line of this order"),
        (("shipments", 1, "lines", 2), "line '2' is already in shipments[0]"),
    ]


def test_shipment_rules() -> None:
    item = order()
    shipment = item["shipments"][0]
    shipment.update(
        status="delivered",
        promised_window={"start": "13:00", "end": "13:00"},
        eta_window={"start": "09:00", "end": "13:00"},
    )
    shipment["events"][1]["id"] = "e1"
    assert _problems(check_order(item)) == [
        (("shipments", 0, "delivered_at"), "is required when the status is delivered"),
        (("shipments", 0, "promised_window", "end"), "end 13:00 must be after start 13:00"),
        (("shipments", 0, "eta_date"), "is required when eta_window is given"),
        (("shipments", 0, "events", 1, "id"), "duplicate event id 'e1' in this shipment"),
    ]


def test_timezones_and_numbers() -> None:
    item = order(number="#--")
    item["customer"]["timezone"] = "Europe/Londn"
    assert _problems(check_order(item)) == [
        (("number",), "must contain letters or digits"),
        (
            ("customer", "timezone"),
            "unknown timezone 'Europe/Londn' (expected an IANA name like Europe/Rome)",
        ),
    ]


def test_ill_typed_values_are_left_to_the_schema() -> None:
    item = order(lines="many", shipments=[1, {"lines": 5, "promised_window": {"start": 9}}])
    item["customer"] = "Grace"
    assert _problems(check_order(item)) == []
    assert _problems(check_carrier({"timezone": 1, "delivery_windows": [["x"], 3]})) == []
    assert _problems(check_pickup_point({"opening_hours": {"mon": "always"}})) == []


def test_carrier_and_pickup_point_rules() -> None:
    carrier = dict(CARRIER, timezone="Nowhere", delivery_windows=[["13:00", "09:00"]])
    assert _problems(check_carrier(carrier)) == [
        (("timezone",), "unknown timezone 'Nowhere' (expected an IANA name like Europe/Rome)"),
        (("delivery_windows", 0), "end 09:00 must be after start 13:00"),
    ]
    point = dict(PICKUP_POINT, opening_hours={"tue": [["08:00", "12:00"], ["18:00", "14:00"]]})
    assert _problems(check_pickup_point(point)) == [
        (("opening_hours", "tue", 1), "end 14:00 must be after start 18:00"),
    ]
