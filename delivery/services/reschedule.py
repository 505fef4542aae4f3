"""Rescheduling a home delivery into another of the carrier's free slots.

The slots offered are the carrier's (weekdays, windows, cut-off, days ahead) from the day the
parcel can arrive, minus the one the shipment already has and those already full. The slot a
customer picks comes back as a button payload, i.e. user input, so :func:`reschedule` checks it
against that same list again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import AuditEntry, Shipment
from delivery.services import audit
from delivery.services.changeability import (
    CHANGE_ACTIONS,
    ensure_before_cutoff,
    ensure_changeable,
    record_change,
)
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.slots import Slot, candidate_slots, local_today
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, ChangeKind

ACTION = CHANGE_ACTIONS[ChangeKind.RESCHEDULE]


@dataclass(frozen=True)
class RescheduleResult:
    shipment_id: int
    slot: Slot
    previous_slot: Slot | None
    changed: bool  # False when the shipment already had that slot


def available_slots(session: Session, shipment: Shipment, *, now: dt.datetime) -> list[Slot]:
    """The slots the customer may move the delivery to, earliest first.

    Raises :class:`Refused` when the shipment cannot be changed, the cut-off has passed, or no
    slot is free (NO_SLOTS).
    """
    slots = _offered_slots(session, shipment, now=now)
    if not slots:
        raise Refused(RefusalReason.NO_SLOTS, shipment_id=shipment.id)
    return slots


def reschedule(
    session: Session,
    shipment: Shipment,
    slot: Slot,
    *,
    idempotency_key: str,
    actor: str,
    now: dt.datetime,
) -> RescheduleResult:
    """Move the delivery to ``slot``; a replayed ``idempotency_key`` returns the first outcome."""
    entry = audit.previous_entry(session, idempotency_key, ACTION)
    if entry is not None:
        return _replayed(entry, shipment, idempotency_key)
    offered = _offered_slots(session, shipment, now=now)
    current = current_slot(shipment)
    if slot == current:
        return RescheduleResult(shipment.id, slot, current, changed=False)
    if slot not in offered:
        raise Refused(RefusalReason.SLOT_UNAVAILABLE, shipment_id=shipment.id, slot=slot.key)

    before = delivery_plan(shipment)
    shipment.promised_date = shipment.eta_date = slot.date
    shipment.promised_window_start = shipment.eta_window_start = slot.start
    shipment.promised_window_end = shipment.eta_window_end = slot.end
    # The status stays: a DELAYED or FAILED_ATTEMPT parcel is still that until the carrier says.
    record_change(
        session,
        shipment,
        kind=ChangeKind.RESCHEDULE,
        before=before,
        after=delivery_plan(shipment),
        details={"slot": slot.key, "previous_slot": current.key if current else None},
        actor=actor,
        now=now,
        idempotency_key=idempotency_key,
    )
    return RescheduleResult(shipment.id, slot, current, changed=True)


def current_slot(shipment: Shipment) -> Slot | None:
    """The slot the shipment is booked on, if its promise has a window."""
    start, end = shipment.promised_window_start, shipment.promised_window_end
    if start is None or end is None:
        return None
    return Slot(shipment.promised_date, start, end)


def earliest_date(shipment: Shipment, *, now: dt.datetime) -> dt.date:
    """Tomorrow in the carrier's zone, but never before the parcel can arrive."""
    tomorrow = local_today(shipment.carrier, now) + dt.timedelta(days=1)
    arrives = shipment.eta_date or shipment.promised_date
    return max(tomorrow, arrives)


def booked_counts(
    session: Session, *, carrier_id: int, first: dt.date, last: dt.date
) -> dict[tuple[dt.date, dt.time], int]:
    """Parcels booked per (date, window start) of a carrier between two dates, in one query.

    Parcels still under way count; delivered or returned ones have left the window, and those
    bound for a pickup point never take a home window (ix_shipments_carrier_slot serves this).
    """
    rows = session.execute(
        select(Shipment.promised_date, Shipment.promised_window_start, func.count())
        .where(
            Shipment.carrier_id == carrier_id,
            Shipment.promised_date.between(first, last),
            Shipment.promised_window_start.is_not(None),
            Shipment.status.not_in(sorted(FINAL_SHIPMENT_STATUSES)),
            Shipment.pickup_point_id.is_(None),
        )
        .group_by(Shipment.promised_date, Shipment.promised_window_start)
    )
    return {(day, start): count for day, start, count in rows if start is not None}


def delivery_plan(shipment: Shipment) -> dict[str, Any]:
    """The promise and estimate as JSON-friendly values, for a change's before and after."""

    def iso(value: dt.date | dt.time | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "promised_date": iso(shipment.promised_date),
        "promised_window_start": iso(shipment.promised_window_start),
        "promised_window_end": iso(shipment.promised_window_end),
        "eta_date": iso(shipment.eta_date),
        "eta_window_start": iso(shipment.eta_window_start),
        "eta_window_end": iso(shipment.eta_window_end),
    }


def _offered_slots(session: Session, shipment: Shipment, *, now: dt.datetime) -> list[Slot]:
    ensure_changeable(shipment, ChangeKind.RESCHEDULE)
    ensure_before_cutoff(shipment, now=now)
    carrier = shipment.carrier
    current = current_slot(shipment)
    candidates = [
        slot
        for slot in candidate_slots(
            carrier,
            earliest=earliest_date(shipment, now=now),
            days_ahead=carrier.reschedule_max_days_ahead,
            now=now,
        )
        if slot != current
    ]
    if not candidates:
        return []
    booked = booked_counts(
        session, carrier_id=carrier.id, first=candidates[0].date, last=candidates[-1].date
    )
    return [
        slot
        for slot in candidates
        if booked.get((slot.date, slot.start), 0) < carrier.slot_capacity
    ]


def _replayed(entry: AuditEntry, shipment: Shipment, idempotency_key: str) -> RescheduleResult:
    if entry.entity_id != shipment.id:
        raise audit.IdempotencyKeyReused(
            f"idempotency key {idempotency_key!r} was used for shipment {entry.entity_id}"
        )
    previous = entry.details["previous_slot"]
    return RescheduleResult(
        shipment_id=shipment.id,
        slot=Slot.from_key(entry.details["slot"]),
        previous_slot=Slot.from_key(previous) if previous else None,
        changed=True,
    )
