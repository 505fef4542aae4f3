"""The second pass: upsert a validated file's orders in batches inside the caller's transaction.

Per batch of orders, one query fetches the existing orders with their lines, shipments and
events, and one or two fetch the customers; new orders are inserted as plain rows (see
:mod:`delivery.importer.new_orders`). Once flushed, a batch's rows are clean and the session
holds them only weakly, so memory stays flat however long the file is.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from delivery.db.models import Customer, Order, OrderLine, ReturnLine, Shipment, TrackingEvent
from delivery.importer.errors import Path
from delivery.importer.mapping import (
    assign,
    customer_columns,
    event_columns,
    line_columns,
    order_columns,
    shipment_columns,
    status_time,
)
from delivery.importer.new_orders import NewOrders
from delivery.importer.progress import ImportProgress, Phase, ProgressCallback
from delivery.importer.reader import iter_items
from delivery.importer.reference_data import CodeIds, batched, load_reference_data
from delivery.importer.report import ImportReport
from delivery.normalize import email_key, order_number_key

BATCH_SIZE = 500

_EventKey = tuple[dt.datetime, str, str]


def load_document(
    stream: IO[bytes],
    session: Session,
    report: ImportReport,
    *,
    now: dt.datetime,
    on_progress: ProgressCallback | None = None,
    progress_every: int = 10_000,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Write a validated file: carriers and pickup points first, then the orders."""
    ids = load_reference_data(stream, session, report)
    loader = _OrderLoader(session, ids, report, now=now)
    total = report.validated.orders
    done = 0
    for batch in batched(iter_items(stream, "orders"), batch_size):
        loader.load_batch(batch, first_index=done)
        before, done = done, done + len(batch)
        if on_progress and (done // progress_every > before // progress_every or done == total):
            on_progress(ImportProgress(Phase.IMPORTED, done, total))
    loader.count_customers()


class _OrderLoader:
    def __init__(self, session: Session, ids: CodeIds, report: ImportReport, *, now: dt.datetime):
        self.session = session
        self.ids = ids
        self.report = report
        self.now = now
        # The shop's customer id -> what this import did to that customer.
        self.customer_outcomes: dict[str, str] = {}

    def load_batch(self, items: list[dict[str, Any]], *, first_index: int) -> None:
        keys = [order_number_key(item["number"]) for item in items]
        existing = {
            order.number_key: order
            for order in self.session.scalars(
                select(Order)
                .where(Order.number_key.in_(keys))
                .options(
                    selectinload(Order.lines),
                    selectinload(Order.shipments).selectinload(Shipment.events),
                )
            )
        }
        customers = self._find_customers(items)
        customer_ids = self._upsert_customers(items, customers)
        shipments = [shipment for item in items for shipment in item["shipments"]]
        self.ids.resolve(
            carriers={s["carrier"] for s in shipments},
            pickup_points={s["pickup_point"] for s in shipments if s.get("pickup_point")},
        )
        new_orders = NewOrders(self.ids, self.report, now=self.now)
        for offset, (item, key) in enumerate(zip(items, keys, strict=True)):
            customer_id = customer_ids[item["customer"]["id"]]
            order = existing.get(key)
            if order is None:
                new_orders.add(item, key=key, customer_id=customer_id)
            else:
                self._update_order(order, item, customer_id)
                self._upsert_contents(order, item, ("orders", first_index + offset))
        self.session.flush()
        new_orders.insert(self.session)
        # Nothing more to do to let go of the batch: the session holds clean rows weakly.

    def count_customers(self) -> None:
        tally = self.report.tally("customers")
        for outcome in self.customer_outcomes.values():
            tally.count(created=outcome == "created", changed=outcome == "updated")

    def _find_customers(self, items: list[dict[str, Any]]) -> dict[str, Customer]:
        """The batch's known customers by the shop's id; else by e-mail, if not yet linked."""
        wanted = {item["customer"]["id"]: item["customer"]["email"] for item in items}
        found = {
            c.external_id: c
            for c in self.session.scalars(
                select(Customer).where(Customer.external_id.in_(list(wanted)))
            )
            if c.external_id is not None
        }
        unknown = {ext: email_key(email) for ext, email in wanted.items() if ext not in found}
        if unknown:
            by_email: dict[str, Customer] = {}
            for c in self.session.scalars(
                select(Customer)
                .where(Customer.email_key.in_(set(unknown.values())))
                .where(Customer.external_id.is_(None))
                .order_by(Customer.id)
            ):
                by_email.setdefault(c.email_key, c)
            for ext, key in unknown.items():
                if key in by_email:  # each unlinked customer is adopted by one shop id only
                    found[ext] = by_email.pop(key)
        return found

    def _upsert_customers(
        self, items: list[dict[str, Any]], found: dict[str, Customer]
    ) -> dict[str, int]:
        """Update the known customers, insert the new ones; their ids by the shop's id.

        A customer in several orders takes the values of the last one.
        """
        new: dict[str, dict[str, Any]] = {}
        for item in items:
            ext = item["customer"]["id"]
            columns = customer_columns(item["customer"])
            customer = found.get(ext)
            if customer is None:
                new[ext] = {**columns, "created_at": self.now, "updated_at": self.now}
                self.customer_outcomes[ext] = "created"
            elif assign(customer, columns):
                customer.updated_at = self.now
                if self.customer_outcomes.get(ext) != "created":
                    self.customer_outcomes[ext] = "updated"
            else:
                self.customer_outcomes.setdefault(ext, "unchanged")
        ids = {ext: customer.id for ext, customer in found.items()}
        if new:
            # As for new orders: executemany, then the ids by natural key.
            self.session.execute(insert(Customer), list(new.values()))
            rows = self.session.execute(
                select(Customer.external_id, Customer.id).where(Customer.external_id.in_(list(new)))
            )
            ids.update({ext: id_ for ext, id_ in rows if ext is not None})
        return ids

    def _update_order(self, order: Order, item: dict[str, Any], customer_id: int) -> None:
        changed = assign(order, {**order_columns(item), "customer_id": customer_id})
        if changed:
            order.updated_at = self.now
        self.report.tally("orders").count(changed=changed)

    def _upsert_contents(self, order: Order, item: dict[str, Any], path: Path) -> None:
        old_lines = {line.line_ref: line for line in order.lines}
        lines: dict[str, OrderLine] = {}
        created: set[str] = set()
        changed: set[str] = set()
        for line_item in item["lines"]:
            ref = line_item["id"]
            columns = line_columns(line_item)
            line = old_lines.pop(ref, None)
            if line is None:
                line = OrderLine(**columns)
                order.lines.append(line)
                created.add(ref)
            elif assign(line, columns):
                changed.add(ref)
            lines[ref] = line

        old_shipments = {(s.carrier_id, s.tracking_number): s for s in order.shipments}
        carried: set[str] = set()
        for shipment_item in item["shipments"]:
            shipment = self._upsert_shipment(order, shipment_item, old_shipments)
            for ref in shipment_item["lines"]:
                line = lines[ref]
                carried.add(ref)
                if shipment.id is None or line.shipment_id != shipment.id:
                    line.shipment = shipment
                    changed.add(ref)
            self._upsert_events(shipment, shipment_item.get("events") or [])
        for ref, line in lines.items():
            if ref not in carried and line.shipment_id is not None:
                line.shipment_id = None
                changed.add(ref)

        tally = self.report.tally("lines")
        for ref in lines:
            tally.count(created=ref in created, changed=ref in changed)
        self._remove_missing(order, old_lines, old_shipments, path)

    def _upsert_shipment(
        self,
        order: Order,
        item: dict[str, Any],
        old_shipments: dict[tuple[int, str], Shipment],
    ) -> Shipment:
        carrier_id = self.ids.carrier(item["carrier"])
        columns = shipment_columns(
            item,
            carrier_id=carrier_id,
            pickup_point_id=self.ids.pickup_point(item.get("pickup_point")),
        )
        tally = self.report.tally("shipments")
        shipment = old_shipments.pop((carrier_id, item["tracking_number"]), None)
        if shipment is None:
            shipment = Shipment(
                **columns,
                original_promised_date=columns["promised_date"],  # the first promise, kept
                status_updated_at=status_time(item, now=self.now),
                created_at=self.now,
                updated_at=self.now,
            )
            order.shipments.append(shipment)
            tally.count(created=True)
            return shipment
        old_status = shipment.status
        changed = assign(shipment, columns)
        if changed:
            shipment.updated_at = self.now
            if shipment.status != old_status:
                shipment.status_updated_at = status_time(item, now=self.now)
        tally.count(changed=changed)
        return shipment

    def _upsert_events(self, shipment: Shipment, items: list[dict[str, Any]]) -> None:
        """Events match by the carrier's id, or (without one) by time, code and status."""
        by_id = {e.external_id: e for e in shipment.events if e.external_id is not None}
        by_moment: dict[_EventKey, TrackingEvent] = {
            (e.occurred_at, e.raw_code, e.status): e
            for e in shipment.events
            if e.external_id is None
        }
        tally = self.report.tally("events")
        for item in items:
            columns = event_columns(item)
            moment = (columns["occurred_at"], columns["raw_code"], columns["status"])
            external_id = columns["external_id"]
            event = by_id.get(external_id) if external_id else by_moment.get(moment)
            if event is None:
                event = TrackingEvent(**columns, recorded_at=self.now)
                shipment.events.append(event)
                if external_id:
                    by_id[external_id] = event
                else:
                    by_moment[moment] = event
                tally.count(created=True)
            else:
                tally.count(changed=assign(event, columns))

    def _remove_missing(
        self,
        order: Order,
        lines: dict[str, OrderLine],
        shipments: dict[tuple[int, str], Shipment],
        path: Path,
    ) -> None:
        """Delete what the file no longer lists, unless a return refers to it."""
        if not lines and not shipments:
            return
        gone_shipment_ids = {s.id for s in shipments.values()}
        candidates = [line.id for line in lines.values()] + [
            line.id for line in order.lines if line.shipment_id in gone_shipment_ids
        ]
        returned = set(
            self.session.scalars(
                select(ReturnLine.order_line_id).where(ReturnLine.order_line_id.in_(candidates))
            )
        )
        for ref, line in lines.items():
            if line.id in returned:
                self.report.warn(
                    (*path, "lines"),
                    f"line {ref!r} is no longer in the file but a return refers to it; kept",
                )
            else:
                order.lines.remove(line)
                self.report.tally("lines").deleted += 1
        for shipment in shipments.values():
            if any(line.id in returned for line in order.lines if line.shipment_id == shipment.id):
                self.report.warn(
                    (*path, "shipments"),
                    f"shipment {shipment.tracking_number!r} is no longer in the file but a "
                    "return refers to its lines; kept",
                )
            else:
                order.shipments.remove(shipment)
                self.report.tally("shipments").deleted += 1
