"""Synthetic order files of any size, for load tests and measurements.

Orders are written one at a time, so a file of a million orders needs no more memory than
one of ten.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any

SYNTHETIC_CARRIER = {
    "code": "synthetic",
    "name": "Synthetic Parcels",
    "timezone": "Europe/London",
    "tracking_url_template": "https://track.example/{tracking_number}",
    "reschedule_cutoff_hours": 12,
    "reschedule_max_days_ahead": 7,
    "delivery_windows": [["09:00", "13:00"], ["13:00", "18:00"]],
    "delivery_weekdays": [1, 2, 3, 4, 5, 6],
    "slot_capacity": 50,
    "supports_pickup_points": False,
    "supports_return_pickup": True,
}
_PLACED = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)


def synthetic_order(n: int, *, lines: int = 2, events: int = 2) -> dict[str, Any]:
    """Order number ``n``: ``lines`` lines in one shipment with ``events`` tracking events."""
    placed = _PLACED + dt.timedelta(minutes=n)
    customer = n // 2  # every customer has two orders
    return {
        "number": f"S-{n:07d}",
        "placed_at": placed.isoformat(),
        "currency": "GBP",
        "customer": {
            "id": f"cust-{customer}",
            "name": f"Customer {customer}",
            "email": f"customer{customer}@example.com",
            "phone": f"+44 7700 {customer % 1_000_000:06d}",
        },
        "lines": [
            {
                "id": str(i + 1),
                "sku": f"SKU-{(n + i) % 500}",
                "name": f"Item {(n + i) % 500}",
                "quantity": 1 + i,
                "unit_price": 999 + 100 * i,
            }
            for i in range(lines)
        ],
        "shipments": [
            {
                "carrier": SYNTHETIC_CARRIER["code"],
                "tracking_number": f"SYN{n:010d}",
                "status": "in_transit" if events else "info_received",
                "promised_date": (placed + dt.timedelta(days=3)).date().isoformat(),
                "promised_window": {"start": "09:00", "end": "13:00"},
                "shipped_at": (placed + dt.timedelta(days=1)).isoformat(),
                "address": {
                    "name": f"Customer {customer}",
                    "street": f"{n % 200 + 1} High Street",
                    "city": "London",
                    "postcode": "SW1A 2AA",
                    "country": "GB",
                },
                "lines": [str(i + 1) for i in range(lines)],
                "events": [
                    {
                        "id": f"evt-{n}-{e}",
                        "status": "info_received" if e == 0 else "in_transit",
                        "code": "IR" if e == 0 else "IT",
                        "occurred_at": (placed + dt.timedelta(hours=20 + e)).isoformat(),
                    }
                    for e in range(events)
                ],
            }
        ],
    }


def write_synthetic_file(
    stream: IO[bytes], orders: int, *, first: int = 1, lines: int = 2, events: int = 2
) -> None:
    """Write a valid import document of ``orders`` orders with one carrier."""
    stream.write(b'{"format_version": 1, "carriers": [')
    stream.write(json.dumps(SYNTHETIC_CARRIER).encode())
    stream.write(b'], "orders": [\n')
    for n in range(first, first + orders):
        if n != first:
            stream.write(b",\n")
        order = synthetic_order(n, lines=lines, events=events)
        stream.write(json.dumps(order, separators=(",", ":")).encode())
    stream.write(b"\n]}\n")
