"""What went wrong with a parcel, what happens next, and what the customer can do about it.

Used by the tracking story (:mod:`delivery.services.tracking`) and by anything that tells a
customer about a problem before they ask. Codes and facts only; the Rasa domain words them.
Dates are local dates in the carrier's timezone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from delivery.services.changeability import ensure_changeable
from delivery.services.refusals import Refused
from delivery.services.slots import local_today
from delivery.services.tracking_inputs import EventView, ShipmentView
from delivery.vocabulary import ChangeKind, ShipmentStatus

#: Statuses in which the parcel has reached the customer or the place they collect it from.
ARRIVED_STATUSES = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.READY_FOR_PICKUP})

Event = TypeVar("Event", bound=EventView)


class ProblemKind(StrEnum):
    FAILED_ATTEMPT = "failed_attempt"
    DELAYED = "delayed"  # the carrier said so, or the parcel is running past its promise
    EXCEPTION = "exception"  # lost, damaged, held: the carrier is looking into it
    RETURNED_TO_SENDER = "returned_to_sender"


class NextStep(StrEnum):
    """What happens next with a parcel that has a problem."""

    REDELIVERY_SCHEDULED = "redelivery_scheduled"  # a failed attempt, and a new delivery date
    COLLECT_FROM_DEPOT = "collect_from_depot"  # after a failed attempt, held for collection
    NEW_ETA_GIVEN = "new_eta_given"
    AWAITING_CARRIER_UPDATE = "awaiting_carrier_update"  # no usable new date yet
    CARRIER_INVESTIGATING = "carrier_investigating"
    RETURN_TO_SHOP = "return_to_shop"  # the parcel is on its way back to the shop


class CustomerOption(StrEnum):
    """What the customer can do about a problem (offered as buttons)."""

    RESCHEDULE = "reschedule"
    PICKUP_POINT = "pickup_point"
    TALK_TO_PERSON = "talk_to_person"


@dataclass(frozen=True)
class DeliveryDate:
    """A local date in the carrier's timezone and, if known, the window on it."""

    date: dt.date
    window_start: dt.time | None
    window_end: dt.time | None


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    happened_at: dt.datetime
    # The carrier's own words and place, from the latest event about the problem.
    description: str | None
    location: str | None
    promised_date: dt.date  # the date the customer was counting on
    eta: DeliveryDate | None  # the carrier's newest estimate
    days_late: int
    next_step: NextStep
    options: tuple[CustomerOption, ...]


def days_late(shipment: ShipmentView, events: Sequence[EventView], today: dt.date) -> int:
    """Days past the promised date, in the carrier's local dates.

    A parcel that arrived (delivered, or waiting at the chosen pickup point) is late by the day
    it arrived, so a late delivery stays late; one still on its way by its ETA or by today,
    whichever is later. A parcel back with the sender is not "late".
    """
    promised = shipment.promised_date
    arrived_at = _arrived_at(shipment, events)
    if arrived_at is not None:
        arrived_on = local_today(shipment.carrier, arrived_at)
        return max((arrived_on - promised).days, 0)
    if shipment.status in ARRIVED_STATUSES or shipment.status is ShipmentStatus.RETURNED_TO_SENDER:
        return 0  # arrived, but when is unknown
    expected = max(shipment.eta_date or promised, today)
    return max((expected - promised).days, 0)


def _arrived_at(shipment: ShipmentView, events: Sequence[EventView]) -> dt.datetime | None:
    # At a pickup point the parcel arrived when it was ready to collect; the days it then
    # waited for the customer (delivered_at is the collection) are not the carrier's lateness.
    ready = latest_event(events, ShipmentStatus.READY_FOR_PICKUP)
    if ready is not None:
        return ready.occurred_at
    if shipment.delivered_at is not None:
        return shipment.delivered_at
    if shipment.status is ShipmentStatus.READY_FOR_PICKUP:
        return shipment.status_updated_at
    return None


def diagnose(
    shipment: ShipmentView,
    events: Sequence[EventView],
    eta: DeliveryDate | None,
    days_late: int,
    today: dt.date,
) -> Problem | None:
    """The problem a shipment has as of ``today`` (the carrier's local date), or None."""
    diagnosis = _diagnosis(shipment, events, days_late, today)
    if diagnosis is None:
        return None
    kind, next_step, event = diagnosis
    return Problem(
        kind=kind,
        happened_at=event.occurred_at if event else shipment.status_updated_at,
        description=event.description if event else None,
        location=event.location if event else None,
        promised_date=shipment.promised_date,
        eta=eta,
        days_late=days_late,
        next_step=next_step,
        options=customer_options(shipment),
    )


def _diagnosis(
    shipment: ShipmentView, events: Sequence[EventView], days_late: int, today: dt.date
) -> tuple[ProblemKind, NextStep, EventView | None] | None:
    """What went wrong, what comes next, and the carrier's latest event about it."""
    status = shipment.status
    eta_date = shipment.eta_date
    if status is ShipmentStatus.FAILED_ATTEMPT:
        attempt = latest_event(events, ShipmentStatus.FAILED_ATTEMPT)
        attempted_on = local_today(shipment.carrier, attempt.occurred_at) if attempt else today
        # A new date only counts if it is after the attempt and not already past.
        redelivery = eta_date is not None and eta_date > attempted_on and eta_date >= today
        next_step = (
            NextStep.REDELIVERY_SCHEDULED if redelivery else NextStep.AWAITING_CARRIER_UPDATE
        )
        return ProblemKind.FAILED_ATTEMPT, next_step, attempt
    if status is ShipmentStatus.READY_FOR_PICKUP and _held_at_depot(shipment, events):
        ready = latest_event(events, ShipmentStatus.READY_FOR_PICKUP)  # where to collect it
        return ProblemKind.FAILED_ATTEMPT, NextStep.COLLECT_FROM_DEPOT, ready
    if status is ShipmentStatus.EXCEPTION:
        exception = latest_event(events, ShipmentStatus.EXCEPTION)
        return ProblemKind.EXCEPTION, NextStep.CARRIER_INVESTIGATING, exception
    if status is ShipmentStatus.RETURNED_TO_SENDER:
        returned = latest_event(events, ShipmentStatus.RETURNED_TO_SENDER)
        return ProblemKind.RETURNED_TO_SENDER, NextStep.RETURN_TO_SHOP, returned
    running_late = days_late > 0 and status not in ARRIVED_STATUSES
    if status is ShipmentStatus.DELAYED or running_late:
        new_eta = eta_date is not None and eta_date >= today and eta_date > shipment.promised_date
        next_step = NextStep.NEW_ETA_GIVEN if new_eta else NextStep.AWAITING_CARRIER_UPDATE
        # Running late without a "delayed" event: the newest event is the newest news.
        delayed = latest_event(events, ShipmentStatus.DELAYED) or (events[-1] if events else None)
        return ProblemKind.DELAYED, next_step, delayed
    return None


def _held_at_depot(shipment: ShipmentView, events: Sequence[EventView]) -> bool:
    """Waiting for collection after a failed attempt, though no pickup point was chosen."""
    failed = latest_event(events, ShipmentStatus.FAILED_ATTEMPT)
    return shipment.pickup_point_id is None and failed is not None


def customer_options(shipment: ShipmentView) -> tuple[CustomerOption, ...]:
    """The changes the delivery services would accept now, and always a person to talk to.

    Asks the same rules those services apply (:func:`ensure_changeable`), so the buttons never
    offer what would then be refused for the parcel's state. A slot's cut-off is not checked
    here: it depends on the slot the customer picks.
    """
    options: list[CustomerOption] = []
    if _accepts(shipment, ChangeKind.RESCHEDULE):
        options.append(CustomerOption.RESCHEDULE)
    if shipment.carrier.supports_pickup_points and _accepts(shipment, ChangeKind.PICKUP_POINT):
        options.append(CustomerOption.PICKUP_POINT)
    options.append(CustomerOption.TALK_TO_PERSON)
    return tuple(options)


def _accepts(shipment: ShipmentView, kind: ChangeKind) -> bool:
    try:
        ensure_changeable(shipment, kind)
    except Refused:
        return False
    return True


def latest_event(events: Sequence[Event], status: ShipmentStatus) -> Event | None:
    return next((event for event in reversed(events) if event.status is status), None)
