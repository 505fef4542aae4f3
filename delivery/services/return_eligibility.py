"""Which lines of an order can be returned, how many of each, and until when.

A line is returnable when its shipment has been delivered, the return window (counted in whole
local days in the carrier's timezone from the delivery) is still open, the shop marked the item
returnable, and not everything has been returned already. Quantities in returns that were
cancelled are free again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import Order, OrderLine, Return, ReturnLine, Shipment
from delivery.services.slots import carrier_zone, local_today
from delivery.vocabulary import OrderStatus, ReturnStatus, ShipmentStatus


class IneligibilityReason(StrEnum):
    """Why a line cannot be returned (now)."""

    ORDER_CANCELLED = "order_cancelled"
    NOT_RETURNABLE = "not_returnable"  # the shop does not take this item back
    NOT_DELIVERED = "not_delivered"  # not shipped yet, or its shipment is not delivered
    ALREADY_RETURNED = "already_returned"  # every unit is in a (not cancelled) return
    WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class LineEligibility:
    """One order line's return eligibility; ``reason`` is None exactly when ``eligible``."""

    line_id: int
    line_ref: str
    name: str
    quantity: int  # ordered
    returnable_quantity: int  # ordered minus what is already in returns
    eligible: bool
    reason: IneligibilityReason | None
    # The last local day a return can be made (carrier's timezone); None when no window
    # applies (not delivered, not returnable, order cancelled).
    window_closes_on: dt.date | None


def returned_quantities(session: Session, order_id: int) -> dict[int, int]:
    """Units of each order line already in the order's returns that are not cancelled."""
    rows = session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id, Return.status != ReturnStatus.CANCELLED)
        .group_by(ReturnLine.order_line_id)
    ).all()
    return {line_id: int(total) for line_id, total in rows}


def delivered_on(shipment: Shipment) -> dt.date | None:
    """The local date (carrier's timezone) the shipment was delivered, if it was."""
    if shipment.status is not ShipmentStatus.DELIVERED:
        return None
    # A carrier feed may mark a shipment delivered without a timestamp; the status change is
    # then the best record of when it happened.
    delivered_at = shipment.delivered_at or shipment.status_updated_at
    return delivered_at.astimezone(carrier_zone(shipment.carrier)).date()


def line_eligibility(
    session: Session, order: Order, *, now: dt.datetime, return_window_days: int
) -> list[LineEligibility]:
    """The eligibility of every line of ``order``, in line order."""
    returned = returned_quantities(session, order.id)
    return [
        _eligibility(
            line,
            returned.get(line.id, 0),
            order_cancelled=order.status is OrderStatus.CANCELLED,
            now=now,
            return_window_days=return_window_days,
        )
        for line in order.lines
    ]


def _eligibility(
    line: OrderLine,
    returned: int,
    *,
    order_cancelled: bool,
    now: dt.datetime,
    return_window_days: int,
) -> LineEligibility:
    remaining = max(line.quantity - returned, 0)
    closes_on: dt.date | None = None
    reason: IneligibilityReason | None = None
    delivered = delivered_on(line.shipment) if line.shipment is not None else None
    if order_cancelled:
        reason = IneligibilityReason.ORDER_CANCELLED
    elif not line.returnable:
        reason = IneligibilityReason.NOT_RETURNABLE
    elif delivered is None or line.shipment is None:
        reason = IneligibilityReason.NOT_DELIVERED
    else:
        closes_on = delivered + dt.timedelta(days=return_window_days)
        if remaining == 0:
            reason = IneligibilityReason.ALREADY_RETURNED
        elif local_today(line.shipment.carrier, now) > closes_on:
            reason = IneligibilityReason.WINDOW_CLOSED
    return LineEligibility(
        line_id=line.id,
        line_ref=line.line_ref,
        name=line.name,
        quantity=line.quantity,
        returnable_quantity=remaining,
        eligible=reason is None,
        reason=reason,
        window_closes_on=closes_on,
    )
