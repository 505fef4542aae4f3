"""May this shipment still be changed? The rules every delivery change shares.

A customer can move a parcel only while the carrier has not committed it: before it is out for
delivery, and only on an order that still stands. The cut-off protects the delivery attempt the
carrier is planning: its route is fixed some hours before the window begins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from delivery.db.models import DeliveryChange, Shipment
from delivery.services import audit
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.slots import carrier_zone, cutoff_before
from delivery.services.tracking_inputs import ShipmentView
from delivery.vocabulary import ChangeKind, OrderStatus, ShipmentStatus

#: Statuses in which the carrier still accepts a change.
CHANGEABLE_STATUSES = frozenset(
    {
        ShipmentStatus.PENDING,
        ShipmentStatus.INFO_RECEIVED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.DELAYED,
        ShipmentStatus.FAILED_ATTEMPT,
    }
)

#: The audit action each kind of change is recorded (and replayed) under.
CHANGE_ACTIONS = {
    ChangeKind.RESCHEDULE: "reschedule",
    ChangeKind.PICKUP_POINT: "switch_to_pickup_point",
}

_REFUSAL_BY_STATUS = {
    ShipmentStatus.OUT_FOR_DELIVERY: RefusalReason.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED: RefusalReason.ALREADY_DELIVERED,
    ShipmentStatus.READY_FOR_PICKUP: RefusalReason.AT_PICKUP_POINT,
    ShipmentStatus.RETURNED_TO_SENDER: RefusalReason.RETURNED_TO_SENDER,
    ShipmentStatus.EXCEPTION: RefusalReason.UNDER_INVESTIGATION,
}


def ensure_changeable(shipment: ShipmentView, kind: ChangeKind) -> None:
    """Raise :class:`Refused` unless ``shipment`` may take a change of ``kind``.

    The parcel's own status comes first (a delivered parcel of a cancelled order is better
    explained as delivered). A parcel bound for a pickup point has no home delivery window to
    move: the customer collects it there, so only another pickup point can be chosen.
    """
    if shipment.status not in CHANGEABLE_STATUSES:
        raise Refused(
            _REFUSAL_BY_STATUS[shipment.status], shipment_id=shipment.id, status=shipment.status
        )
    if shipment.order.status == OrderStatus.CANCELLED:
        raise Refused(RefusalReason.ORDER_CANCELLED, shipment_id=shipment.id)
    if kind is ChangeKind.RESCHEDULE and shipment.pickup_point_id is not None:
        raise Refused(
            RefusalReason.AT_PICKUP_POINT,
            shipment_id=shipment.id,
            pickup_point_id=shipment.pickup_point_id,
        )


def planned_window(shipment: Shipment) -> tuple[dt.datetime, dt.datetime]:
    """When the carrier currently means to deliver, as aware datetimes in its timezone.

    The carrier's estimate when it has one (later than the promise after a delay: that is when
    the van actually comes), else the promise; a day without a window spans the whole day.
    """
    zone = carrier_zone(shipment.carrier)
    if shipment.eta_date is not None:
        day, start, end = shipment.eta_date, shipment.eta_window_start, shipment.eta_window_end
    else:
        day = shipment.promised_date
        start, end = shipment.promised_window_start, shipment.promised_window_end
    begins = dt.datetime.combine(day, start or dt.time(0), tzinfo=zone)
    if end is not None and start is not None:
        ends = dt.datetime.combine(day, end, tzinfo=zone)
    else:
        ends = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return begins, ends


def cutoff_at(shipment: Shipment) -> dt.datetime:
    """The last moment a change to the planned delivery is accepted."""
    begins, _ = planned_window(shipment)
    return cutoff_before(shipment.carrier, begins)


def ensure_before_cutoff(shipment: Shipment, *, now: dt.datetime) -> None:
    """Raise PAST_CUTOFF when the planned delivery is too close to change.

    Exactly at the cut-off is still in time. Once the planned window has ended without a
    delivery (a missed promise, a failed attempt) there is no attempt left to protect, so the
    customer may book a new one.
    """
    deadline = cutoff_at(shipment)
    _, ends = planned_window(shipment)
    if deadline < now < ends:
        raise Refused(RefusalReason.PAST_CUTOFF, shipment_id=shipment.id, cutoff_at=deadline)


def record_change(
    session: Session,
    shipment: Shipment,
    *,
    kind: ChangeKind,
    before: dict[str, Any],
    after: dict[str, Any],
    details: dict[str, Any],
    actor: str,
    now: dt.datetime,
    idempotency_key: str,
) -> DeliveryChange:
    """Write the :class:`DeliveryChange` of a change just applied, and its one audit entry."""
    change = DeliveryChange(
        shipment_id=shipment.id,
        kind=kind,
        before=before,
        after=after,
        requested_by=actor,
        created_at=now,
    )
    shipment.updated_at = now
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=CHANGE_ACTIONS[kind],
        entity_type="shipment",
        entity_id=shipment.id,
        details=details | {"delivery_change_id": change.id},
        now=now,
        idempotency_key=idempotency_key,
    )
    return change
