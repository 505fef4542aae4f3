"""An order's story for "where is my order?": a pure read, as codes and facts.

No customer-facing sentences here: the Rasa domain words the answer from these values (stage
codes, statuses, dates, the carrier's own description of what happened). Dates the customer
counts on are local dates in the carrier's timezone; moments are aware UTC datetimes.

The story is built from anything shaped like an order (:mod:`delivery.services.tracking_inputs`):
ORM objects loaded with :func:`delivery.services.orders.find_order` (or ``customer_order``), so
that building it issues no further queries, or the plain records of the faster read path,
:func:`delivery.services.tracking_reads.track_order_number`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from delivery.services.problems import DeliveryDate, Problem, days_late, diagnose
from delivery.services.slots import local_today
from delivery.services.tracking_inputs import (
    EventView,
    OrderLineView,
    OrderView,
    PickupPointView,
    ShipmentView,
)
from delivery.vocabulary import (
    OrderStatus,
    PickupPointKind,
    ShipmentStatus,
    TimelineStage,
)

STAGES: tuple[TimelineStage, ...] = tuple(TimelineStage)

#: The stage a status shows the parcel has reached. Problem statuses that say nothing about
#: progress (delayed, exception, returned) are absent: the stage reached so far stands.
STAGE_OF_STATUS: dict[ShipmentStatus, TimelineStage] = {
    ShipmentStatus.PENDING: TimelineStage.ORDERED,
    ShipmentStatus.INFO_RECEIVED: TimelineStage.ORDERED,  # a label exists; not handed over yet
    ShipmentStatus.IN_TRANSIT: TimelineStage.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY: TimelineStage.OUT_FOR_DELIVERY,
    # Waiting at the pickup point is the last step before the customer has it.
    ShipmentStatus.READY_FOR_PICKUP: TimelineStage.OUT_FOR_DELIVERY,
    ShipmentStatus.FAILED_ATTEMPT: TimelineStage.OUT_FOR_DELIVERY,  # someone tried to deliver
    ShipmentStatus.DELIVERED: TimelineStage.DELIVERED,
}


@dataclass(frozen=True)
class Item:
    line_id: int
    name: str
    quantity: int


@dataclass(frozen=True)
class TimelineStep:
    stage: TimelineStage
    reached: bool
    current: bool  # the furthest stage reached
    at: dt.datetime | None  # when it was reached, if known


@dataclass(frozen=True)
class PickupPointInfo:
    code: str
    kind: PickupPointKind
    name: str
    street: str
    postcode: str
    city: str


@dataclass(frozen=True)
class EventInfo:
    status: ShipmentStatus
    raw_code: str
    description: str | None
    location: str | None
    occurred_at: dt.datetime


@dataclass(frozen=True)
class ShipmentTracking:
    shipment_id: int
    carrier_code: str
    carrier_name: str
    tracking_number: str
    tracking_url: str | None
    status: ShipmentStatus
    stage: TimelineStage  # the furthest stage reached
    timeline: tuple[TimelineStep, ...]
    promised: DeliveryDate
    eta: DeliveryDate | None
    delivered_at: dt.datetime | None
    pickup_point: PickupPointInfo | None
    items: tuple[Item, ...]
    is_late: bool
    days_late: int
    problem: Problem | None
    events: tuple[EventInfo, ...]  # newest first


@dataclass(frozen=True)
class OrderTracking:
    order_id: int
    order_number: str
    order_status: OrderStatus
    placed_at: dt.datetime
    customer_first_name: str
    preparing: tuple[Item, ...]  # not in any shipment yet (empty once the order is cancelled)
    shipments: tuple[ShipmentTracking, ...]
    stage: TimelineStage  # the least advanced of the shipments (and of items still preparing)
    has_problem: bool


def order_tracking(session: Session, order: OrderView, *, now: dt.datetime) -> OrderTracking:
    """The whole story of ``order`` as seen at ``now``.

    Everything is read through ``order``'s relationships (loaded up front by the lookups in
    :mod:`delivery.services.orders`, or a record from :mod:`delivery.services.tracking_reads`);
    ``session`` is taken like every service takes it, and is never written to.
    """
    lines_by_shipment: dict[int | None, list[OrderLineView]] = {}
    for line in order.lines:
        lines_by_shipment.setdefault(line.shipment_id, []).append(line)
    cancelled = order.status is OrderStatus.CANCELLED
    preparing = () if cancelled else _items(lines_by_shipment.get(None, []))
    shipments = tuple(
        shipment_tracking(order, shipment, lines_by_shipment.get(shipment.id, []), now=now)
        for shipment in order.shipments
    )
    stages = [tracked.stage for tracked in shipments]
    if preparing or not shipments:
        stages.append(TimelineStage.ORDERED)
    return OrderTracking(
        order_id=order.id,
        order_number=order.number,
        order_status=order.status,
        placed_at=order.placed_at,
        customer_first_name=order.customer.first_name,
        preparing=preparing,
        shipments=shipments,
        stage=min(stages, key=STAGES.index),
        has_problem=any(tracked.problem is not None for tracked in shipments),
    )


def shipment_tracking(
    order: OrderView,
    shipment: ShipmentView,
    lines: Sequence[OrderLineView],
    *,
    now: dt.datetime,
) -> ShipmentTracking:
    """One shipment's story; ``lines`` are the order lines it carries."""
    carrier = shipment.carrier
    events = list(shipment.events)  # oldest first (the relationship's order)
    times = _stage_times(order, shipment, events)
    stage = _furthest_stage(shipment.status, times)
    promised = DeliveryDate(
        shipment.promised_date, shipment.promised_window_start, shipment.promised_window_end
    )
    eta = (
        DeliveryDate(shipment.eta_date, shipment.eta_window_start, shipment.eta_window_end)
        if shipment.eta_date is not None
        else None
    )
    today = local_today(carrier, now)
    late_by = days_late(shipment, events, today)
    return ShipmentTracking(
        shipment_id=shipment.id,
        carrier_code=carrier.code,
        carrier_name=carrier.name,
        tracking_number=shipment.tracking_number,
        tracking_url=carrier.tracking_url(shipment.tracking_number),
        status=shipment.status,
        stage=stage,
        timeline=_timeline(stage, times),
        promised=promised,
        eta=eta,
        delivered_at=shipment.delivered_at,
        pickup_point=_pickup_point(shipment.pickup_point),
        items=_items(lines),
        is_late=late_by > 0,
        days_late=late_by,
        problem=diagnose(shipment, events, eta, late_by, today),
        events=tuple(_event(event) for event in reversed(events)),
    )


# --- timeline ---------------------------------------------------------------------------------


def _stage_times(
    order: OrderView, shipment: ShipmentView, events: Iterable[EventView]
) -> dict[TimelineStage, dt.datetime]:
    """When each stage was first reached, as far as the data tells.

    Out for delivery is the exception: after a failed attempt the parcel goes out again, and
    the latest run is the one that matters.
    """
    times = {TimelineStage.ORDERED: order.placed_at}
    if shipment.shipped_at is not None:
        times[TimelineStage.SHIPPED] = shipment.shipped_at
    for event in events:
        stage = STAGE_OF_STATUS.get(event.status)
        if stage is None:
            continue
        if event.status is ShipmentStatus.OUT_FOR_DELIVERY:
            times[stage] = event.occurred_at
        else:
            times.setdefault(stage, event.occurred_at)
    if shipment.delivered_at is not None:
        times[TimelineStage.DELIVERED] = shipment.delivered_at
    return times


def _furthest_stage(
    status: ShipmentStatus, times: dict[TimelineStage, dt.datetime]
) -> TimelineStage:
    reached = list(times)
    if status in STAGE_OF_STATUS:
        reached.append(STAGE_OF_STATUS[status])
    return max(reached, key=STAGES.index)


def _timeline(
    stage: TimelineStage, times: dict[TimelineStage, dt.datetime]
) -> tuple[TimelineStep, ...]:
    furthest = STAGES.index(stage)
    return tuple(
        TimelineStep(
            stage=step,
            reached=index <= furthest,
            current=index == furthest,
            at=times.get(step),
        )
        for index, step in enumerate(STAGES)
    )


# --- small conversions ------------------------------------------------------------------------


def _items(lines: Iterable[OrderLineView]) -> tuple[Item, ...]:
    return tuple(Item(line_id=line.id, name=line.name, quantity=line.quantity) for line in lines)


def _pickup_point(point: PickupPointView | None) -> PickupPointInfo | None:
    if point is None:
        return None
    return PickupPointInfo(
        code=point.code,
        kind=point.kind,
        name=point.name,
        street=point.street,
        postcode=point.postcode,
        city=point.city,
    )


def _event(event: EventView) -> EventInfo:
    return EventInfo(
        status=event.status,
        raw_code=event.raw_code,
        description=event.description,
        location=event.location,
        occurred_at=event.occurred_at,
    )
