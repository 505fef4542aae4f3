"""What the generator decides before anything becomes a row: customers, orders and parcels.

Plans carry domain values (carriers, products, times); :mod:`delivery.demo.rows` turns them
into table rows with ids. The showcase stories and the random mix both produce plans, so both
go through the same row code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from delivery.demo.addresses import Address
from delivery.demo.carriers import CarrierSpec, EventKind
from delivery.demo.catalogue import Product
from delivery.demo.pickup_points import PointRecord
from delivery.geo.places import City
from delivery.vocabulary import OrderStatus, ReturnReason, ReturnStatus, ShipmentStatus

Window = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class CustomerRecord:
    id: int
    name: str
    email: str
    phone: str | None
    language: str
    city: City
    home: Address
    created_at: dt.datetime


@dataclass(frozen=True)
class EventPlan:
    kind: EventKind
    at: dt.datetime
    location: str | None


@dataclass
class ShipmentPlan:
    carrier: CarrierSpec
    status: ShipmentStatus
    promised_date: dt.date
    promised_window: Window | None
    original_promised_date: dt.date
    eta_date: dt.date | None
    eta_window: Window | None
    delivered_at: dt.datetime | None
    status_updated_at: dt.datetime
    events: list[EventPlan]
    pickup_point: PointRecord | None = None
    line_indexes: list[int] = field(default_factory=list)

    @property
    def shipped_at(self) -> dt.datetime | None:
        """When the carrier had the parcel: its first scan after the label."""
        return next((e.at for e in self.events if e.kind is EventKind.COLLECTED), None)


@dataclass(frozen=True)
class LinePlan:
    product: Product
    quantity: int


@dataclass(frozen=True)
class ReturnPlan:
    reference: str
    carrier: CarrierSpec
    status: ReturnStatus
    reason: ReturnReason
    comment: str | None
    pickup_date: dt.date
    pickup_window: Window
    created_at: dt.datetime
    updated_at: dt.datetime
    lines: tuple[tuple[int, int], ...]  # (index of the order line, quantity)


@dataclass
class OrderPlan:
    number: str
    customer: CustomerRecord
    placed_at: dt.datetime
    currency: str
    lines: list[LinePlan]
    shipments: list[ShipmentPlan]
    returns: list[ReturnPlan] = field(default_factory=list)
    status: OrderStatus = OrderStatus.OPEN
