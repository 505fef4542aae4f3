"""The fast read path for "where is my order?": Core rows into plain records, no ORM objects.

Building ORM objects (identity map, instance state, eager-loading machinery) costs more than the
database does for this lookup, so the hottest path reads plain rows into frozen records that
satisfy the Protocols of :mod:`delivery.services.tracking_inputs`, and hands them to the same
:func:`delivery.services.tracking.order_tracking` the ORM objects go through. Callers that will
change the order still use :func:`delivery.services.orders.find_order`.

Two indexed queries, whatever the number of lines, shipments and events (each round trip to
PostgreSQL costs more than the few repeated columns a join sends):

1. the order with its customer's name and its lines (by the unique ``number_key``),
2. its shipments with their carrier, pickup point and tracking events (by ``order_id``; the
   events are the one collection joined, so a shipment's columns repeat once per event).

The columns are the mapped tables' own, so their types convert results exactly as the ORM
does (aware UTC datetimes, enum members).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from delivery.db.models import (
    Carrier,
    Customer,
    Order,
    OrderLine,
    PickupPoint,
    Shipment,
    TrackingEvent,
    fill_tracking_url,
    first_name_of,
)
from delivery.normalize import order_number_key
from delivery.services.tracking import OrderTracking, order_tracking
from delivery.vocabulary import OrderStatus, PickupPointKind, ShipmentStatus


@dataclass(frozen=True, slots=True)
class CarrierRecord:
    code: str
    name: str
    timezone: str
    supports_pickup_points: bool
    tracking_url_template: str | None

    def tracking_url(self, tracking_number: str) -> str | None:
        return fill_tracking_url(self.tracking_url_template, tracking_number)


@dataclass(frozen=True, slots=True)
class PickupPointRecord:
    code: str
    kind: PickupPointKind
    name: str
    street: str
    postcode: str
    city: str


@dataclass(frozen=True, slots=True)
class EventRecord:
    status: ShipmentStatus
    raw_code: str
    description: str | None
    location: str | None
    occurred_at: dt.datetime


@dataclass(frozen=True, slots=True)
class OrderStateRecord:
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    id: int
    tracking_number: str
    status: ShipmentStatus
    status_updated_at: dt.datetime
    promised_date: dt.date
    promised_window_start: dt.time | None
    promised_window_end: dt.time | None
    eta_date: dt.date | None
    eta_window_start: dt.time | None
    eta_window_end: dt.time | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    pickup_point_id: int | None
    _: KW_ONLY  # its relations, by name
    order: OrderStateRecord
    carrier: CarrierRecord
    pickup_point: PickupPointRecord | None
    events: tuple[EventRecord, ...]  # oldest first


@dataclass(frozen=True, slots=True)
class OrderLineRecord:
    id: int
    name: str
    quantity: int
    shipment_id: int | None


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    name: str

    @property
    def first_name(self) -> str:
        return first_name_of(self.name)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: int
    number: str
    status: OrderStatus
    placed_at: dt.datetime
    customer_id: int
    customer: CustomerRecord
    lines: tuple[OrderLineRecord, ...]  # by id
    shipments: tuple[ShipmentRecord, ...]  # by id


_o, _cu, _l = Order.__table__.c, Customer.__table__.c, OrderLine.__table__.c
_s, _ca, _p = Shipment.__table__.c, Carrier.__table__.c, PickupPoint.__table__.c
_e = TrackingEvent.__table__.c

# Built once: constructing a statement costs about as much as a small query; compiled forms are
# cached by SQLAlchemy.
_ORDER_WITH_LINES = (
    select(
        _o.id,
        _o.number,
        _o.status,
        _o.placed_at,
        _o.customer_id,
        _cu.name,
        _l.id,
        _l.name,
        _l.quantity,
        _l.shipment_id,
    )
    .join(Customer.__table__, _cu.id == _o.customer_id)
    .outerjoin(OrderLine.__table__, _l.order_id == _o.id)
    .where(_o.number_key == bindparam("key"))
    .order_by(_l.id)
)
_SHIPMENTS_WITH_EVENTS = (
    select(
        _s.id,
        _s.tracking_number,
        _s.status,
        _s.status_updated_at,
        _s.promised_date,
        _s.promised_window_start,
        _s.promised_window_end,
        _s.eta_date,
        _s.eta_window_start,
        _s.eta_window_end,
        _s.shipped_at,
        _s.delivered_at,
        _s.pickup_point_id,
        _ca.code,
        _ca.name,
        _ca.timezone,
        _ca.supports_pickup_points,
        _ca.tracking_url_template,
        _p.code,
        _p.kind,
        _p.name,
        _p.street,
        _p.postcode,
        _p.city,
        _e.status,
        _e.raw_code,
        _e.description,
        _e.location,
        _e.occurred_at,
    )
    .join(Carrier.__table__, _ca.id == _s.carrier_id)
    .outerjoin(PickupPoint.__table__, _p.id == _s.pickup_point_id)
    .outerjoin(TrackingEvent.__table__, _e.shipment_id == _s.id)
    .where(_s.order_id == bindparam("order_id"))
    # Events in the order the Shipment.events relationship gives them.
    .order_by(_s.id, _e.occurred_at, _e.id)
)


def load_order_record(session: Session, number: str) -> OrderRecord | None:
    """The order whose number matches ``number`` however it was typed, as a plain record."""
    key = order_number_key(number)
    if not key:
        return None
    rows = session.execute(_ORDER_WITH_LINES, {"key": key}).all()
    if not rows:
        return None
    order_id, order_number, order_status, placed_at, customer_id, customer_name = rows[0][:6]
    lines = tuple(
        OrderLineRecord(line_id, name, quantity, shipment_id)
        for *_, line_id, name, quantity, shipment_id in rows
        if line_id is not None  # an order without lines still has its one outer-joined row
    )
    order_state = OrderStateRecord(order_status)
    shipments = tuple(
        _shipment_record(list(rows_of_shipment), order_state)
        for _, rows_of_shipment in groupby(
            session.execute(_SHIPMENTS_WITH_EVENTS, {"order_id": order_id}), key=itemgetter(0)
        )
    )
    return OrderRecord(
        id=order_id,
        number=order_number,
        status=order_status,
        placed_at=placed_at,
        customer_id=customer_id,
        customer=CustomerRecord(customer_name),
        lines=lines,
        shipments=shipments,
    )


def _shipment_record(rows: Sequence[Sequence[Any]], order: OrderStateRecord) -> ShipmentRecord:
    """One shipment's rows of :data:`_SHIPMENTS_WITH_EVENTS` (one per event, at least one):
    the shipment's columns, its carrier's, its pickup point's, an event's."""
    first = rows[0]
    shipment, carrier, point = tuple(first[:13]), tuple(first[13:18]), tuple(first[18:24])
    return ShipmentRecord(
        *shipment,
        order=order,
        carrier=CarrierRecord(*carrier),
        pickup_point=None if shipment[12] is None else PickupPointRecord(*point),
        # A shipment without events still has its one outer-joined row, with no event status.
        events=tuple(EventRecord(*row[24:]) for row in rows if row[24] is not None),
    )


def track_order_number(
    session: Session, number: str, *, now: dt.datetime, customer_id: int | None = None
) -> OrderTracking | None:
    """The tracking story of the order numbered ``number`` as seen at ``now``.

    None if no order has that number or, when ``customer_id`` is given, if the order is not that
    customer's (the caller cannot tell which: it must not reveal whether an order exists).
    """
    order = load_order_record(session, number)
    if order is None or (customer_id is not None and order.customer_id != customer_id):
        return None
    return order_tracking(session, order, now=now)
