"""The JSON Schema in docs/ is valid, matches the vocabulary and the model, and reads well."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import String

from delivery.db import models
from delivery.importer.schema import SCHEMA_PATH, item_validator, load_schema, schema_errors
from delivery.settings import PROJECT_ROOT
from delivery.vocabulary import OrderStatus, PickupPointKind, ShipmentStatus
from tests.importer.documents import order


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("definition", "vocabulary"),
    [
        ("shipment_status", ShipmentStatus),
        ("order_status", OrderStatus),
        ("pickup_point_kind", PickupPointKind),
    ],
)
def test_enums_are_the_vocabulary(definition: str, vocabulary: Any) -> None:
    assert load_schema()["$defs"][definition]["enum"] == [member.value for member in vocabulary]


def _property(*path: str) -> dict[str, Any]:
    node: dict[str, Any] = load_schema()["$defs"][path[0]]
    for name in path[1:]:
        node = node["properties"][name]
    if "$ref" in node:
        node = {**load_schema()["$defs"][node["$ref"].rsplit("/", 1)[1]], **node}
    return node


@pytest.mark.parametrize(
    ("path", "column"),
    [
        (("carrier", "code"), models.Carrier.code),
        (("carrier", "name"), models.Carrier.name),
        (("carrier", "timezone"), models.Carrier.timezone),
        (("carrier", "tracking_url_template"), models.Carrier.tracking_url_template),
        (("pickup_point", "code"), models.PickupPoint.code),
        (("pickup_point", "name"), models.PickupPoint.name),
        (("pickup_point", "street"), models.PickupPoint.street),
        (("pickup_point", "city"), models.PickupPoint.city),
        (("pickup_point", "postcode"), models.PickupPoint.postcode),
        (("order", "number"), models.Order.number),
        (("customer", "id"), models.Customer.external_id),
        (("customer", "name"), models.Customer.name),
        (("customer", "email"), models.Customer.email),
        (("customer", "phone"), models.Customer.phone),
        (("customer", "language"), models.Customer.language),
        (("customer", "timezone"), models.Customer.timezone),
        (("line", "id"), models.OrderLine.line_ref),
        (("line", "sku"), models.OrderLine.sku),
        (("line", "name"), models.OrderLine.name),
        (("line", "image_url"), models.OrderLine.image_url),
        (("shipment", "carrier"), models.Carrier.code),
        (("shipment", "tracking_number"), models.Shipment.tracking_number),
        (("shipment", "pickup_point"), models.PickupPoint.code),
        (("address", "name"), models.Shipment.recipient_name),
        (("address", "street"), models.Shipment.street),
        (("address", "city"), models.Shipment.city),
        (("address", "postcode"), models.Shipment.postcode),
        (("event", "id"), models.TrackingEvent.external_id),
        (("event", "code"), models.TrackingEvent.raw_code),
        (("event", "description"), models.TrackingEvent.description),
        (("event", "location"), models.TrackingEvent.location),
    ],
)
def test_max_lengths_match_the_columns(path: tuple[str, ...], column: Any) -> None:
    column_type = column.property.columns[0].type
    assert isinstance(column_type, String)
    assert _property(*path)["maxLength"] == column_type.length


def test_the_example_file_matches_the_schema() -> None:
    example = json.loads((PROJECT_ROOT / "docs/examples/orders-example.json").read_text())
    assert list(Draft202012Validator(load_schema()).iter_errors(example)) == []


def test_the_validators_come_from_the_docs_file() -> None:
    assert SCHEMA_PATH == PROJECT_ROOT / "docs" / "order-import.schema.json"


def _errors(item: Any) -> list[tuple[tuple[str | int, ...], str]]:
    return list(schema_errors(item_validator("orders"), item, ("orders", 0)))


def test_a_valid_order_has_no_schema_errors() -> None:
    assert _errors(order()) == []


def test_missing_and_unknown_fields_point_at_the_field() -> None:
    item = order(surprise=1)
    del item["customer"]["email"]
    assert _errors(item) == [
        (("orders", 0, "surprise"), "is not an allowed field"),
        (("orders", 0, "customer", "email"), "is required"),
    ]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"currency": "gbp"}, ("currency",), "must be an ISO 4217 currency code in capitals"),
        ({"placed_at": "2026-02-27T18:42:10"}, ("placed_at",), "must be a date and time"),
        ({"placed_at": "2026-02-30T18:42:10Z"}, ("placed_at",), "must be a date and time"),
        ({"status": "lost"}, ("status",), "must be one of: open, cancelled"),
        ({"number": ""}, ("number",), "must not be empty"),
        ({"number": 1001}, ("number",), "must be a string"),
        ({"lines": []}, ("lines",), "must not be empty"),
    ],
)
def test_order_fields(change: dict[str, Any], path: tuple[str, ...], message: str) -> None:
    item = order()
    item.update(change)
    [(where, text)] = _errors(item)
    assert where == ("orders", 0, *path)
    assert text.startswith(message)


def test_nullable_fields_report_the_inner_problem() -> None:
    item = order()
    item["shipments"][0]["promised_window"] = {"start": "9:00", "end": "13:00"}
    item["shipments"][0]["eta_date"] = "2026-3-4"
    item["customer"]["email"] = "grace.example.com"
    assert _errors(item) == [
        (("orders", 0, "customer", "email"), "must be an e-mail address"),
        (
            ("orders", 0, "shipments", 0, "promised_window", "start"),
            "must be a time of day like 09:00",
        ),
        (("orders", 0, "shipments", 0, "eta_date"), "must be a date like 2026-03-04"),
    ]


def test_optional_fields_may_be_null() -> None:
    item = order(status=None)
    item["customer"].update(phone=None, language=None, timezone=None)
    item["shipments"][0].update(promised_window=None, eta_date=None, pickup_point=None, events=None)
    assert _errors(item) == []
