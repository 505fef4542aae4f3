"""A batch's new orders as plain rows, inserted with one multi-row statement per table.

New orders need none of the ORM's unit-of-work bookkeeping, which costs about ten times as
much per row as the insert itself. Each table gets one executemany (psycopg pipelines it,
sqlite3 loops in C); the generated ids are then read back by natural key (order number key;
carrier and tracking number), one query per table, which measured faster on PostgreSQL than
multi-row INSERT ... RETURNING (whose long statements psycopg parses slowly).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from delivery.db.models import Order, OrderLine, Shipment, TrackingEvent
from delivery.importer.mapping import (
    event_columns,
    line_columns,
    order_columns,
    shipment_columns,
    status_time,
)
from delivery.importer.reference_data import CodeIds
from delivery.importer.report import ImportReport

_ShipmentKey = tuple[int, str]  # (carrier id, tracking number)


class NewOrders:
    def __init__(self, ids: CodeIds, report: ImportReport, *, now: dt.datetime) -> None:
        self._ids = ids
        self._report = report
        self._now = now
        self._orders: list[dict[str, Any]] = []
        self._shipments: list[tuple[str, dict[str, Any]]] = []  # (order key, row)
        self._lines: list[tuple[str, _ShipmentKey | None, dict[str, Any]]] = []
        self._events: list[tuple[_ShipmentKey, dict[str, Any]]] = []

    def add(self, item: dict[str, Any], *, key: str, customer_id: int) -> None:
        now = self._now
        self._orders.append(
            {
                **order_columns(item),
                "customer_id": customer_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        carrier_of_line: dict[str, _ShipmentKey] = {}
        for shipment in item["shipments"]:
            carrier_id = self._ids.carrier(shipment["carrier"])
            columns = shipment_columns(
                shipment,
                carrier_id=carrier_id,
                pickup_point_id=self._ids.pickup_point(shipment.get("pickup_point")),
            )
            columns["original_promised_date"] = columns["promised_date"]
            columns["status_updated_at"] = status_time(shipment, now=now)
            columns["created_at"] = columns["updated_at"] = now
            shipment_key = (carrier_id, shipment["tracking_number"])
            self._shipments.append((key, columns))
            carrier_of_line.update(dict.fromkeys(shipment["lines"], shipment_key))
            self._add_events(shipment_key, shipment.get("events") or [])
        for line in item["lines"]:
            self._lines.append((key, carrier_of_line.get(line["id"]), line_columns(line)))
        self._report.tally("orders").created += 1
        self._report.tally("shipments").created += len(item["shipments"])
        self._report.tally("lines").created += len(item["lines"])

    def _add_events(self, shipment_key: _ShipmentKey, events: list[dict[str, Any]]) -> None:
        seen: set[Any] = set()  # events without an id are the same event at the same moment
        tally = self._report.tally("events")
        for event in events:
            columns = event_columns(event)
            identity = columns["external_id"] or (
                columns["occurred_at"],
                columns["raw_code"],
                columns["status"],
            )
            if identity in seen:
                tally.unchanged += 1
                continue
            seen.add(identity)
            self._events.append((shipment_key, {**columns, "recorded_at": self._now}))
            tally.created += 1

    def insert(self, session: Session) -> None:
        if not self._orders:
            return
        session.execute(insert(Order), self._orders)
        order_ids: dict[str, int] = dict(
            session.execute(
                select(Order.number_key, Order.id).where(
                    Order.number_key.in_([row["number_key"] for row in self._orders])
                )
            ).all()
        )
        shipment_ids: dict[_ShipmentKey, int] = {}
        if self._shipments:
            session.execute(
                insert(Shipment),
                [{**row, "order_id": order_ids[key]} for key, row in self._shipments],
            )
            rows = session.execute(
                select(Shipment.carrier_id, Shipment.tracking_number, Shipment.id).where(
                    Shipment.order_id.in_(list(order_ids.values()))
                )
            )
            shipment_ids = {(carrier_id, number): id_ for carrier_id, number, id_ in rows}
        if self._events:
            session.execute(
                insert(TrackingEvent),
                [{**row, "shipment_id": shipment_ids[key]} for key, row in self._events],
            )
        if self._lines:
            session.execute(
                insert(OrderLine),
                [
                    {
                        **row,
                        "order_id": order_ids[key],
                        "shipment_id": shipment_ids[shipment] if shipment else None,
                    }
                    for key, shipment, row in self._lines
                ],
            )
