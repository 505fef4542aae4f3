"""Finding orders: by the number a customer types, and among a verified customer's own orders.

The lookups load everything an order's tracking story needs up front, in a fixed number of
indexed queries (three, whatever the number of shipments, lines and events), because "where is
my order?" is the assistant's hottest path:

1. the order with its customer and lines (by the unique ``number_key``; an order has few lines,
   so joining them costs less than another round trip),
2. its shipments with their carrier and pickup point (by ``order_id``),
3. the shipments' tracking events (by ``shipment_id``, in time order).

Shipments and events are not joined into the first query: two joined collections would multiply
each other's rows.

Items are grouped into shipments from the order's lines (``OrderLine.shipment_id``), so
:attr:`Shipment.lines` is deliberately not loaded a second time.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from delivery.db.models import Order, Shipment
from delivery.normalize import order_number_key

#: Eager loading of what :func:`delivery.services.tracking.order_tracking` reads. Built once:
#: constructing loader options costs about as much as running one of the queries.
TRACKING_LOAD_OPTIONS: tuple[LoaderOption, ...] = (
    joinedload(Order.customer, innerjoin=True),
    joinedload(Order.lines),
    selectinload(Order.shipments).options(
        joinedload(Shipment.carrier, innerjoin=True),
        joinedload(Shipment.pickup_point),
        selectinload(Shipment.events),
    ),
)


def find_order(session: Session, number: str) -> Order | None:
    """The order whose number matches ``number`` however it was typed ('#100 234', '100234')."""
    key = order_number_key(number)
    if not key:
        return None
    return (
        session.scalars(
            select(Order).where(Order.number_key == key).options(*TRACKING_LOAD_OPTIONS)
        )
        .unique()
        .one_or_none()
    )


def orders_of_customer(session: Session, customer_id: int, *, limit: int = 10) -> list[Order]:
    """A customer's most recent orders, newest first (lines and shipments not loaded)."""
    return list(
        session.scalars(
            select(Order)
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )


def customer_order(session: Session, customer_id: int, order_id: int) -> Order | None:
    """The order ``order_id`` if it belongs to ``customer_id``, else None.

    Order ids come back from buttons, which users can forge (a message starting with '/' is
    parsed as an intent with entities), so each one is re-checked against the customer the
    conversation has proved to be.
    """
    return (
        session.scalars(
            select(Order)
            .where(Order.id == order_id, Order.customer_id == customer_id)
            .options(*TRACKING_LOAD_OPTIONS)
        )
        .unique()
        .one_or_none()
    )
