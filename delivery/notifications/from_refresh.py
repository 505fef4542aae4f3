"""The notifications a carrier refresh deserves, queued: the rules applied to a RefreshOutcome.

Call :func:`notify_refresh` in the same unit of work as
:func:`delivery.carriers.refresh.apply_tracking`, right after it: the notifications then exist
exactly when the change does (a rolled-back refresh queues nothing).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from delivery.carriers.refresh import NewEvent, RefreshOutcome
from delivery.carriers.values import DeliveryEstimate
from delivery.db.models import Shipment
from delivery.notifications.kinds import (
    EventFact,
    KindRules,
    ShipmentChange,
    deserved_notifications,
)
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import Enqueued, enqueue_deserved

__all__ = ["change_from_refresh", "notify_refresh"]


def notify_refresh(
    session: Session,
    shipment: Shipment,
    outcome: RefreshOutcome,
    *,
    rules: KindRules,
    policy: QueuePolicy,
    now: dt.datetime,
) -> list[Enqueued]:
    """Queue what the refresh of ``shipment`` deserves (nothing for a stale or empty one)."""
    if outcome.stale or not outcome.changed:
        return []
    change = change_from_refresh(shipment, outcome)
    customer_id = shipment.order.customer_id
    return [
        enqueue_deserved(
            session, item, customer_id=customer_id, shipment_id=shipment.id, now=now, policy=policy
        )
        for item in deserved_notifications(change, rules, now=now)
    ]


def change_from_refresh(shipment: Shipment, outcome: RefreshOutcome) -> ShipmentChange:
    """The change the rules look at, from the refreshed shipment and what the refresh did."""
    new_ids = {event.id for event in outcome.new_events}
    previous_event_at = max(
        (event.occurred_at for event in shipment.events if event.id not in new_ids), default=None
    )
    moved = outcome.status_change
    current_eta = (
        DeliveryEstimate(shipment.eta_date, shipment.eta_window_start, shipment.eta_window_end)
        if shipment.eta_date is not None
        else None
    )
    eta_before = outcome.eta_change.before if outcome.eta_change else current_eta
    return ShipmentChange(
        shipment_id=shipment.id,
        carrier_timezone=shipment.carrier.timezone,
        status_before=moved.before if moved else shipment.status,
        status_after=shipment.status,
        event=_deciding_event(outcome) if moved else None,
        previous_event_at=previous_event_at,
        promised_date=shipment.promised_date,
        promised_window=(shipment.promised_window_start, shipment.promised_window_end),
        eta_before=eta_before,
        eta_after=current_eta,
        delivered_at=shipment.delivered_at,
        context={
            "order_number": shipment.order.number,
            "carrier": shipment.carrier.name,
            "tracking_number": shipment.tracking_number,
        },
    )


def _deciding_event(outcome: RefreshOutcome) -> EventFact | None:
    """The new event the status change came from (the newest with its status and time)."""
    moved = outcome.status_change
    if moved is None:
        return None
    matches = [
        event
        for event in outcome.new_events
        if event.status is moved.after and event.occurred_at == moved.at
    ]
    if not matches:
        return None
    return _fact(max(matches, key=lambda event: event.id))


def _fact(event: NewEvent) -> EventFact:
    return EventFact(
        id=event.id,
        status=event.status,
        occurred_at=event.occurred_at,
        description=event.description,
        location=event.location,
    )
