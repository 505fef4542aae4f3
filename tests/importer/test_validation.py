"""Bad files are rejected whole, with every error and its path, and nothing is written."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from delivery.importer.errors import MAX_LISTED_ERRORS
from tests import factories
from tests.importer.documents import (
    CARRIER,
    PICKUP_POINT,
    document,
    errors_of,
    order,
    rejection,
    run_import,
)


def test_invalid_json_is_rejected_with_its_position(session: Session) -> None:
    data = json.dumps(document(order("#1"), order("#2")), indent=1).encode()
    broken = data.replace(b'"#2"', b'"#2",,', 1)
    line = broken[: broken.index(b",,")].count(b"\n") + 1
    [error] = errors_of(session, broken)
    assert error.startswith(f"$: invalid JSON near line {line}, column ")


def test_the_document_level_rules(session: Session) -> None:
    assert errors_of(session, b"[]") == ["$: the document must be a JSON object, not array"]
    assert errors_of(session, b'{"orders": []}') == ["format_version: is required"]
    assert errors_of(session, b'{"format_version": 2, "orders": [], "shop": "x"}') == [
        "shop: is not an allowed field",
        "format_version: unsupported format version 2; this importer reads version 1",
    ]
    assert errors_of(session, b'{"format_version": "1", "orders": {}, "carriers": 3}') == [
        'format_version: unsupported format version "1"; this importer reads version 1',
        "carriers: must be an array",
        "orders: must be an array",
    ]
    assert errors_of(session, b'{"format_version": 1, "orders": [], "orders": []}') == [
        "orders: appears more than once"
    ]


def test_wrong_types_and_missing_fields(session: Session) -> None:
    bad = order("#2")
    bad["lines"][0]["quantity"] = "2"
    bad["lines"][1]["unit_price"] = 8.5
    del bad["customer"]["name"]
    del bad["shipments"][0]["promised_date"]
    bad["shipments"][0]["status"] = "lost"
    assert errors_of(session, document(order("#1"), bad)) == [
        "orders[1].customer.name: is required",
        "orders[1].lines[0].quantity: must be an integer",
        "orders[1].lines[1].unit_price: must be an integer",
        "orders[1].shipments[0].promised_date: is required",
        "orders[1].shipments[0].status: must be one of: pending, info_received, in_transit, "
        "out_for_delivery, ready_for_pickup, delivered, failed_attempt, exception, delayed, "
        "returned_to_sender",
    ]


def test_items_that_are_not_objects(session: Session) -> None:
    doc = document(order("#1"))
    doc["orders"].append("#2")
    doc["carriers"].append(None)
    assert errors_of(session, doc) == [
        "carriers[1]: must be an object",
        "orders[1]: must be an object",
    ]


def test_duplicate_order_numbers_by_key(session: Session) -> None:
    doc = document(order("#SO-1"), order("#2"), order("so 1", tracking="T3"))
    assert errors_of(session, doc) == [
        "orders[2].number: duplicate order number 'so 1' (same as orders[0])"
    ]


def test_duplicate_tracking_numbers_per_carrier(session: Session) -> None:
    other = dict(CARRIER, code="other")
    third = order("#3", tracking="SAME")
    third["shipments"][0]["carrier"] = "other"  # another carrier may reuse the number
    doc = document(
        order("#1", tracking="SAME"), order("#2", tracking="SAME"), third, carriers=[CARRIER, other]
    )
    assert errors_of(session, doc) == [
        "orders[1].shipments[0].tracking_number: duplicate tracking number 'SAME' of carrier "
        "'swift' (also orders[0].shipments[0])"
    ]


def test_a_tracking_number_of_another_stored_order(session: Session) -> None:
    carrier = factories.carrier(session, code="swift")
    stored = factories.order(session, number="#900")
    factories.shipment(session, stored, carrier_=carrier, tracking_number="TAKEN")
    doc = document(order("#1", tracking="TAKEN"), carriers=[])
    assert errors_of(session, doc) == [
        "orders[0].shipments[0].tracking_number: tracking number 'TAKEN' already belongs to "
        "order #900"
    ]
    # The same order may keep its own tracking number.
    run_import(session, document(order("#900", tracking="TAKEN"), carriers=[]))


def test_bad_line_references(session: Session) -> None:
    bad = order("#1")
    bad["shipments"][0]["lines"] = ["1", "3", "1"]
    bad["lines"][1]["id"] = "1"
    assert errors_of(session, document(bad)) == [
        "orders[0].lines[1].id: duplicate line id '1' in this order",
        "orders[0].shipments[0].lines[1]: unknown line id '3': not a line of this order",
        "orders[0].shipments[0].lines[2]: line '1' is already in this shipment",
    ]


def test_unknown_carriers_and_pickup_points(session: Session) -> None:
    stored = factories.carrier(session, code="stored")
    factories.pickup_point(session, stored, code="PP-STORED")
    first = order("#1")
    first["shipments"][0].update(carrier="nope", pickup_point="PP-1")
    second = order("#2")
    second["shipments"][0].update(carrier="stored", pickup_point="PP-STORED")  # fine
    third = order("#3")
    third["shipments"][0].update(pickup_point="PP-STORED")  # another carrier's point
    fourth = order("#4")
    fourth["shipments"][0]["pickup_point"] = "PP-404"
    points = [PICKUP_POINT, dict(PICKUP_POINT, code="PP-X", carrier="ghost")]
    doc = document(first, second, third, fourth, pickup_points=points)
    assert errors_of(session, doc) == [
        "orders[0].shipments[0].carrier: unknown carrier 'nope': neither in this file nor in "
        "the database",
        "pickup_points[1].carrier: unknown carrier 'ghost': neither in this file nor in the "
        "database",
        "orders[0].shipments[0].pickup_point: pickup point 'PP-1' belongs to carrier 'swift', "
        "not 'nope'",
        "orders[2].shipments[0].pickup_point: pickup point 'PP-STORED' belongs to carrier "
        "'stored', not 'swift'",
        "orders[3].shipments[0].pickup_point: unknown pickup point 'PP-404': neither in this "
        "file nor in the database",
    ]


def test_carriers_may_come_after_the_orders_or_from_the_database(session: Session) -> None:
    data = json.dumps({"orders": [order("#1")], "carriers": [CARRIER], "format_version": 1})
    assert run_import(session, data.encode()).tally("orders").created == 1
    assert run_import(session, document(order("#2"), carriers=[])).tally("orders").created == 1


def test_bad_timezones(session: Session) -> None:
    bad = order("#1")
    bad["customer"]["timezone"] = "Europe/Milano"
    doc = document(bad, carriers=[dict(CARRIER, timezone="GMT+1")])
    assert errors_of(session, doc) == [
        "carriers[0].timezone: unknown timezone 'GMT+1' (expected an IANA name like Europe/Rome)",
        "orders[0].customer.timezone: unknown timezone 'Europe/Milano' (expected an IANA name "
        "like Europe/Rome)",
    ]


def test_duplicate_codes_in_the_file(session: Session) -> None:
    doc = document(carriers=[CARRIER, CARRIER], pickup_points=[PICKUP_POINT, PICKUP_POINT])
    assert errors_of(session, doc) == [
        "carriers[1].code: duplicate carrier code 'swift' (also carriers[0])",
        "pickup_points[1].code: duplicate pickup point code 'PP-1' (also pickup_points[0])",
    ]


def test_cross_checks_run_on_orders_with_schema_errors_too(session: Session) -> None:
    bad = order("#1", currency="pounds")
    bad["shipments"][0]["lines"] = ["7"]
    bad["shipments"][0]["carrier"] = "nope"
    assert errors_of(session, document(bad)) == [
        "orders[0].currency: must be an ISO 4217 currency code in capitals, like EUR",
        "orders[0].shipments[0].lines[0]: unknown line id '7': not a line of this order",
        "orders[0].shipments[0].carrier: unknown carrier 'nope': neither in this file nor in "
        "the database",
    ]


def test_a_rejected_file_writes_nothing_even_when_most_of_it_is_valid(session: Session) -> None:
    bad = order("#3")
    bad["lines"][0]["quantity"] = 0
    rejected = rejection(session, document(order("#1"), order("#2"), bad))
    assert rejected.lines() == ["orders[2].lines[0].quantity: must be at least 1"]


def test_errors_are_capped_with_a_count(session: Session) -> None:
    orders = []
    for n in range(MAX_LISTED_ERRORS + 5):
        item = order(f"#{n}")
        item["currency"] = "x"
        orders.append(item)
    rejected = rejection(session, document(*orders))
    assert rejected.error_count == MAX_LISTED_ERRORS + 5
    assert len(rejected.errors) == MAX_LISTED_ERRORS
    assert rejected.lines()[-1] == "... and 5 more errors"
    assert rejected.errors[-1].path == f"orders[{MAX_LISTED_ERRORS - 1}].currency"


def test_a_thousand_uses_of_an_unknown_carrier_are_counted(session: Session) -> None:
    orders = [order(f"#{n}") for n in range(MAX_LISTED_ERRORS + 2)]
    rejected = rejection(session, document(*orders, carriers=[]))
    assert rejected.error_count == MAX_LISTED_ERRORS + 2
    assert rejected.lines()[-1] == "... and 2 more errors"
