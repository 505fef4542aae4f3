"""Plans become table rows: ids assigned here, keys normalised, carrier words attached."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from delivery.demo.carriers import EVENT_DESCRIPTION, EVENT_STATUS
from delivery.demo.plans import OrderPlan, ShipmentPlan
from delivery.normalize import order_number_key, postcode_key

Row = dict[str, Any]

#: Tables in the order their rows must be inserted (foreign keys point backwards).
TABLES = (
    "carriers",
    "pickup_points",
    "customers",
    "orders",
    "shipments",
    "order_lines",
    "tracking_events",
    "returns",
    "return_lines",
)


class RowBuilder:
    """Turns order plans into rows, numbering each table from its first free id."""

    def __init__(self, first_ids: dict[str, int], carrier_ids: dict[str, int], now: dt.datetime):
        self._next = dict(first_ids)
        self._carrier_ids = carrier_ids
        self._now = now
        self.shipment_statuses: Counter[str] = Counter()
        self.order_statuses: Counter[str] = Counter()
        self.return_statuses: Counter[str] = Counter()

    def take_id(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def order_rows(self, plan: OrderPlan) -> Iterator[tuple[str, Row]]:
        """(table, row) for the order and everything under it, parents before children."""
        order_id = self.take_id("orders")
        self.order_statuses[plan.status] += 1
        last_change = max([s.status_updated_at for s in plan.shipments] + [plan.placed_at])
        yield (
            "orders",
            {
                "id": order_id,
                "number": plan.number,
                "number_key": order_number_key(plan.number),
                "customer_id": plan.customer.id,
                "status": plan.status,
                "placed_at": plan.placed_at,
                "currency": plan.currency,
                "created_at": plan.placed_at,
                "updated_at": last_change,
            },
        )
        shipment_of_line: dict[int, int] = {}
        for shipment in plan.shipments:
            shipment_id = self.take_id("shipments")
            shipment_of_line.update(dict.fromkeys(shipment.line_indexes, shipment_id))
            yield from self._shipment_rows(plan, shipment, order_id, shipment_id)
        line_ids: list[int] = []
        for index, line in enumerate(plan.lines):
            line_id = self.take_id("order_lines")
            line_ids.append(line_id)
            yield (
                "order_lines",
                {
                    "id": line_id,
                    "order_id": order_id,
                    "line_ref": str(index + 1),
                    "sku": line.product.sku,
                    "name": line.product.name,
                    "quantity": line.quantity,
                    "unit_price_minor": line.product.price_minor(plan.currency),
                    "returnable": line.product.returnable,
                    "image_url": line.product.image_url,
                    "shipment_id": shipment_of_line.get(index),
                },
            )
        for booked in plan.returns:
            return_id = self.take_id("returns")
            self.return_statuses[booked.status] += 1
            start, end = booked.pickup_window
            yield (
                "returns",
                {
                    "id": return_id,
                    "reference": booked.reference,
                    "order_id": order_id,
                    "customer_id": plan.customer.id,
                    "carrier_id": self._carrier_ids[booked.carrier.code],
                    "status": booked.status,
                    "reason": booked.reason,
                    "comment": booked.comment,
                    "pickup_date": booked.pickup_date,
                    "pickup_window_start": start,
                    "pickup_window_end": end,
                    "created_at": booked.created_at,
                    "updated_at": booked.updated_at,
                },
            )
            for index, quantity in booked.lines:
                yield (
                    "return_lines",
                    {
                        "id": self.take_id("return_lines"),
                        "return_id": return_id,
                        "order_line_id": line_ids[index],
                        "quantity": quantity,
                    },
                )

    def _shipment_rows(
        self, plan: OrderPlan, shipment: ShipmentPlan, order_id: int, shipment_id: int
    ) -> Iterator[tuple[str, Row]]:
        self.shipment_statuses[shipment.status] += 1
        carrier = shipment.carrier
        tracking_number = carrier.tracking_number(shipment_id)
        home = plan.customer.home
        promised_start, promised_end = shipment.promised_window or (None, None)
        eta_start, eta_end = shipment.eta_window or (None, None)
        yield (
            "shipments",
            {
                "id": shipment_id,
                "order_id": order_id,
                "carrier_id": self._carrier_ids[carrier.code],
                "tracking_number": tracking_number,
                "status": shipment.status,
                "status_updated_at": shipment.status_updated_at,
                "promised_date": shipment.promised_date,
                "promised_window_start": promised_start,
                "promised_window_end": promised_end,
                "original_promised_date": shipment.original_promised_date,
                "eta_date": shipment.eta_date,
                "eta_window_start": eta_start,
                "eta_window_end": eta_end,
                "shipped_at": shipment.shipped_at,
                "delivered_at": shipment.delivered_at,
                "recipient_name": plan.customer.name,
                "street": home.street,
                "city": home.city,
                "postcode": home.postcode,
                "postcode_key": postcode_key(home.postcode),
                "country": home.country,
                "latitude": home.latitude,
                "longitude": home.longitude,
                "pickup_point_id": shipment.pickup_point.id if shipment.pickup_point else None,
                "created_at": plan.placed_at,
                "updated_at": shipment.status_updated_at,
            },
        )
        for n, event in enumerate(shipment.events, start=1):
            event_id = self.take_id("tracking_events")
            # Carriers report a few seconds to minutes late; derived from the id, not drawn.
            lag = dt.timedelta(seconds=(event_id * 37) % 600)
            yield (
                "tracking_events",
                {
                    "id": event_id,
                    "shipment_id": shipment_id,
                    # Boreal numbers its events (event_no); the others use string ids.
                    "external_id": str(event_id)
                    if carrier.code == "boreal"
                    else f"{tracking_number}-{n}",
                    "status": EVENT_STATUS[event.kind],
                    "raw_code": carrier.raw_codes[event.kind],
                    "description": EVENT_DESCRIPTION[event.kind],
                    "location": event.location,
                    "occurred_at": event.at,
                    "recorded_at": min(event.at + lag, self._now),
                },
            )
