"""Seed an empty order database with deterministic demo data.

The showcase orders come first (numbers 100001-100008, the same for every seed), then random
customers and orders (numbers from 100101) in every state a parcel can be in. The output is a
function of ``seed`` and ``now`` only: randomness comes from ``random.Random(seed)``, and every
date is placed relative to ``now`` (in each carrier's zone), so the demo is always current.

The same streaming path serves the 1,000-order demo and the million-order benchmark database.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from delivery.db.models import Order
from delivery.demo.bulk import DEFAULT_BATCH_ROWS, BulkWriter
from delivery.demo.carriers import CARRIERS
from delivery.demo.customers import customer_row, random_customer
from delivery.demo.orders import OrderFactory
from delivery.demo.people import EmailBook
from delivery.demo.pickup_points import PointRecord, generate_points
from delivery.demo.plans import CustomerRecord
from delivery.demo.returns import ReferenceBook
from delivery.demo.rows import RowBuilder
from delivery.demo.showcase import SHOWCASE_ORDERS, ShowcaseOrder
from delivery.demo.showcase_customers import showcase_customers
from delivery.demo.stories import SHOWCASE_RETURN_REFERENCE, showcase_orders

Progress = Callable[[str], None]

FIRST_RANDOM_ORDER_NUMBER = 100101


class DatabaseNotEmpty(Exception):
    """Demo data goes into an empty database only (order numbers would collide)."""


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind were written, and in which states."""

    rows: dict[str, int]
    shipment_statuses: dict[str, int]
    order_statuses: dict[str, int]
    return_statuses: dict[str, int]
    showcase: tuple[ShowcaseOrder, ...] = field(default=SHOWCASE_ORDERS)

    @property
    def orders(self) -> int:
        return self.rows["orders"]

    @property
    def customers(self) -> int:
        return self.rows["customers"]


def has_orders(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Order.id.is_not(None)))))


def seed_demo(
    session: Session,
    *,
    now: dt.datetime,
    seed: int = 42,
    customers: int = 1000,
    orders: int = 3000,
    progress: Progress | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    raw_inserts: bool = True,
) -> DemoSummary:
    """Write ``customers`` customers and ``orders`` orders (showcase included) and their world.

    Raises :class:`DatabaseNotEmpty` when any order exists. Never commits. ``batch_rows`` and
    ``raw_inserts`` only change how rows are written (see :mod:`delivery.demo.bulk`), never which.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    showcase_people = len({showcase.email for showcase in SHOWCASE_ORDERS})
    if customers <= showcase_people or orders < len(SHOWCASE_ORDERS):
        raise ValueError(
            f"need more than {showcase_people} customers and at least {len(SHOWCASE_ORDERS)} orders"
        )
    if has_orders(session):
        raise DatabaseNotEmpty("the database already has orders")
    report = progress or (lambda _line: None)
    session.flush()
    writer = BulkWriter(session.connection(), batch_rows=batch_rows, raw=raw_inserts)
    first_ids = writer.first_free_ids()
    known = showcase_customers(now, first_id=first_ids["customers"])
    # Demo data, not secrets: a seeded PRNG is the point. Separate streams, so that e.g. asking
    # for more orders does not change the customers.
    master = random.Random(seed)  # noqa: S311
    point_rng, customer_rng, order_rng = (
        random.Random(master.getrandbits(64))  # noqa: S311
        for _ in range(3)
    )

    carrier_ids = {spec.code: first_ids["carriers"] + i for i, spec in enumerate(CARRIERS)}
    writer.add_all(("carriers", spec.row(carrier_ids[spec.code])) for spec in CARRIERS)
    points: list[PointRecord] = []
    for record, row in generate_points(
        point_rng, first_id=first_ids["pickup_points"], carrier_ids=carrier_ids
    ):
        points.append(record)
        writer.add("pickup_points", row)
    report(f"carriers: {len(CARRIERS)}, pickup points: {len(points)}")

    people = _write_customers(writer, customer_rng, known, customers, now, report)
    rows = RowBuilder(first_ids, carrier_ids, now)
    references = ReferenceBook()
    references.reserve(SHOWCASE_RETURN_REFERENCE)
    factory = OrderFactory(order_rng, now, points, references)
    for plan in showcase_orders(now, known):
        writer.add_all(rows.order_rows(plan))

    numbers = iter(range(FIRST_RANDOM_ORDER_NUMBER, FIRST_RANDOM_ORDER_NUMBER + orders))
    remaining = orders - len(SHOWCASE_ORDERS)
    strangers = people[len(known) :]
    # First, the orders that fill the "full" pickup points to the last compartment.
    for point in (p for p in points if p.full):
        neighbours = [c for c in strangers if c.city.name == point.city]
        for _ in range(min(point.capacity, remaining) if neighbours else 0):
            customer = order_rng.choice(neighbours)
            writer.add_all(
                rows.order_rows(factory.ready_at_point(str(next(numbers)), customer, point))
            )
            remaining -= 1
    step = max(1000, orders // 20)
    for n in range(remaining):
        customer = strangers[order_rng.randrange(len(strangers))]
        writer.add_all(rows.order_rows(factory.random_order(str(next(numbers)), customer)))
        if (n + 1) % step == 0:
            report(f"orders: {n + 1 + orders - remaining:,}/{orders:,}")
    writer.finish()
    report(
        f"orders: {orders:,}/{orders:,}, shipments: {writer.written['shipments']:,}, "
        f"tracking events: {writer.written['tracking_events']:,}"
    )
    return DemoSummary(
        rows=dict(writer.written),
        shipment_statuses={str(k): v for k, v in rows.shipment_statuses.items()},
        order_statuses={str(k): v for k, v in rows.order_statuses.items()},
        return_statuses={str(k): v for k, v in rows.return_statuses.items()},
    )


def _write_customers(
    writer: BulkWriter,
    rng: random.Random,
    known: list[CustomerRecord],
    total: int,
    now: dt.datetime,
    report: Progress,
) -> list[CustomerRecord]:
    """The showcase customers, then random ones up to ``total``; all written, all returned."""
    emails = EmailBook({customer.email for customer in known})
    people = list(known)
    for customer in known:
        writer.add("customers", customer_row(customer))
    first_id = known[-1].id + 1
    step = max(1000, total // 10)
    for n, customer_id in enumerate(
        range(first_id, first_id + total - len(known)), start=len(known) + 1
    ):
        customer = random_customer(rng, customer_id, emails, now)
        people.append(customer)
        writer.add("customers", customer_row(customer))
        if n % step == 0:
            report(f"customers: {n:,}/{total:,}")
    return people
