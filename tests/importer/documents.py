"""Order files for the importer's tests: valid by default, broken by overriding a field."""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from delivery.db.base import Base
from delivery.importer import ImportRejected, ImportReport, import_orders
from tests.factories import NOW

CARRIER: dict[str, Any] = {
    "code": "swift",
    "name": "SwiftPost",
    "timezone": "Europe/London",
    "tracking_url_template": "https://track.example/{tracking_number}",
    "reschedule_cutoff_hours": 12,
    "reschedule_max_days_ahead": 7,
    "delivery_windows": [["09:00", "13:00"], ["13:00", "18:00"]],
    "delivery_weekdays": [1, 2, 3, 4, 5, 6],
    "slot_capacity": 40,
    "supports_pickup_points": True,
    "supports_return_pickup": True,
}

PICKUP_POINT: dict[str, Any] = {
    "code": "PP-1",
    "carrier": "swift",
    "kind": "locker",
    "name": "Locker Victoria",
    "street": "1 Victoria Street",
    "city": "London",
    "postcode": "SW1E 5ND",
    "country": "GB",
    "latitude": 51.4965,
    "longitude": -0.1447,
    "opening_hours": {"mon": [["06:00", "23:00"]], "sun": []},
    "capacity": 60,
}


def order(
    number: str = "#1001", *, tracking: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """An order with two lines in one shipment of carrier 'swift', with two events."""
    slug = re.sub(r"[^0-9A-Za-z-]", "", number)
    item: dict[str, Any] = {
        "number": number,
        "placed_at": "2026-02-27T18:42:10+01:00",
        "currency": "GBP",
        "customer": {
            "id": f"C-{slug}",
            "name": "Grace Hopper",
            "email": f"grace{slug}@example.com",
            "phone": "+44 7700 900123",
        },
        "lines": [
            {"id": "1", "sku": "MUG", "name": "Blue mug", "quantity": 2, "unit_price": 1299},
            {"id": "2", "sku": "TEA", "name": "Tea", "quantity": 1, "unit_price": 850},
        ],
        "shipments": [
            {
                "carrier": "swift",
                "tracking_number": tracking or f"TRK{slug}",
                "status": "in_transit",
                "promised_date": "2026-03-04",
                "promised_window": {"start": "09:00", "end": "13:00"},
                "shipped_at": "2026-03-01T09:15:00Z",
                "address": {
                    "name": "Grace Hopper",
                    "street": "10 Downing Street",
                    "city": "London",
                    "postcode": "SW1A 2AA",
                    "country": "GB",
                },
                "lines": ["1", "2"],
                "events": [
                    {
                        "id": "e1",
                        "status": "info_received",
                        "code": "LBL",
                        "occurred_at": "2026-02-28T16:00:00Z",
                    },
                    {
                        "id": "e2",
                        "status": "in_transit",
                        "code": "HUB",
                        "location": "Heathrow",
                        "occurred_at": "2026-03-01T09:15:00Z",
                    },
                ],
            }
        ],
    }
    item.update(overrides)
    return item


def document(
    *orders: dict[str, Any],
    carriers: list[dict[str, Any]] | None = None,
    pickup_points: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format_version": 1,
        "carriers": copy.deepcopy(carriers if carriers is not None else [CARRIER]),
        "orders": list(orders) if orders else [order()],
    }
    if pickup_points is not None:
        doc["pickup_points"] = copy.deepcopy(pickup_points)
    return doc


def stream(doc: dict[str, Any] | bytes) -> io.BytesIO:
    return io.BytesIO(doc if isinstance(doc, bytes) else json.dumps(doc).encode())


def run_import(session: Session, doc: dict[str, Any] | bytes, **options: Any) -> ImportReport:
    return import_orders(stream(doc), session, now=NOW, **options)


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table, to show that a rejected file wrote nothing."""
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
    }


def rejection(session: Session, doc: dict[str, Any] | bytes) -> ImportRejected:
    """Import ``doc``, expect it rejected, check that nothing was written; return the errors."""
    before = row_counts(session)
    with pytest.raises(ImportRejected) as caught:
        run_import(session, doc)
    assert row_counts(session) == before
    return caught.value


def errors_of(session: Session, doc: dict[str, Any] | bytes) -> list[str]:
    """The rejected file's errors as 'path: message' lines."""
    return rejection(session, doc).lines()


def wipe(engine: Engine) -> None:
    """Delete every row (for tests whose code under test commits)."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
