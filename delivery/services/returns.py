"""Returns with a home pickup: offer pickup slots, create, find, move and cancel a return.

The pickup is booked with the carrier that delivered the order. Every item, quantity and slot
that comes from the conversation is re-checked here against the database, since button
payloads can be tampered with. Each change is idempotent through its audit entry.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from delivery.db.models import AuditEntry, Carrier, Order, Return, ReturnLine
from delivery.services import audit
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.return_eligibility import line_eligibility
from delivery.services.slots import Slot, candidate_slots, local_today, slot_cutoff
from delivery.vocabulary import OrderStatus, ReturnReason, ReturnStatus, ShipmentStatus

#: Reference characters a customer cannot confuse when reading or typing them (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "R-"
REFERENCE_LENGTH = 6
_REFERENCE_ATTEMPTS = 20
_NOT_REFERENCE_CHARS = re.compile(r"[^A-Z0-9]")

AUDIT_ENTITY = "return"


# --- references -------------------------------------------------------------------------------


def random_reference() -> str:
    """A fresh reference like 'R-7KQ2MX' (not checked for uniqueness)."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return REFERENCE_PREFIX + code


def unique_reference(session: Session, draw: Callable[[], str] = random_reference) -> str:
    """A reference no return has yet; draws again on the (rare) collision."""
    for _ in range(_REFERENCE_ATTEMPTS):
        reference = draw()
        taken = session.scalar(select(Return.id).where(Return.reference == reference))
        if taken is None:
            return reference
    raise RuntimeError("could not draw an unused return reference")


def normalize_reference(text: str) -> str:
    """The stored form of a reference as a customer may type it: 'r abc234', 'RABC234'."""
    code = _NOT_REFERENCE_CHARS.sub("", text.upper())
    if len(code) == REFERENCE_LENGTH + 1 and code.startswith("R"):
        code = code[1:]
    return REFERENCE_PREFIX + code


# --- pickup slots -----------------------------------------------------------------------------


def return_carrier(order: Order) -> Carrier:
    """The carrier that delivered ``order`` (the first delivered shipment's)."""
    delivered = [s for s in order.shipments if s.status is ShipmentStatus.DELIVERED]
    if not delivered:
        raise Refused(RefusalReason.NOTHING_RETURNABLE, order_id=order.id)
    first = min(delivered, key=lambda s: (s.delivered_at or s.status_updated_at, s.id))
    return first.carrier


def carrier_pickup_slots(session: Session, carrier: Carrier, *, now: dt.datetime) -> list[Slot]:
    """The carrier's pickup slots from tomorrow (its local date) that still have room."""
    if not carrier.supports_return_pickup:
        raise Refused(RefusalReason.RETURN_PICKUP_NOT_SUPPORTED, carrier=carrier.code)
    earliest = local_today(carrier, now) + dt.timedelta(days=1)
    days_ahead = carrier.reschedule_max_days_ahead
    slots = candidate_slots(carrier, earliest=earliest, days_ahead=days_ahead, now=now)
    booked = _booked_pickups(session, carrier, earliest, earliest + dt.timedelta(days=days_ahead))
    return [s for s in slots if booked.get((s.date, s.start), 0) < carrier.slot_capacity]


def _booked_pickups(
    session: Session, carrier: Carrier, first: dt.date, last: dt.date
) -> dict[tuple[dt.date, dt.time], int]:
    """Scheduled pickups per (date, window start) of ``carrier`` between two dates."""
    rows = session.execute(
        select(Return.pickup_date, Return.pickup_window_start, func.count())
        .where(
            Return.carrier_id == carrier.id,
            Return.status == ReturnStatus.SCHEDULED,
            Return.pickup_date.between(first, last),
        )
        .group_by(Return.pickup_date, Return.pickup_window_start)
    ).all()
    return {(date, start): count for date, start, count in rows}


def return_pickup_slots(session: Session, order: Order, *, now: dt.datetime) -> list[Slot]:
    """Pickup slots for a return of ``order``, from the carrier that delivered it."""
    return carrier_pickup_slots(session, return_carrier(order), now=now)


# --- creating ---------------------------------------------------------------------------------


def create_return(
    session: Session,
    order: Order,
    items: Mapping[int, int],
    reason: ReturnReason,
    slot: Slot,
    *,
    comment: str | None,
    idempotency_key: str,
    actor: str,
    now: dt.datetime,
    return_window_days: int,
) -> Return:
    """Book a pickup for ``items`` (order line id -> quantity) of ``order`` in ``slot``."""
    previous = audit.previous_entry(session, idempotency_key, "create_return")
    if previous is not None:
        return _replayed(session, previous, order_id=order.id)
    if order.status is OrderStatus.CANCELLED:
        raise Refused(RefusalReason.ORDER_CANCELLED, order_id=order.id)
    if not items:
        raise Refused(RefusalReason.NOTHING_RETURNABLE, order_id=order.id)
    _check_items(session, order, items, now=now, return_window_days=return_window_days)
    carrier = return_carrier(order)
    if slot not in carrier_pickup_slots(session, carrier, now=now):
        raise Refused(RefusalReason.SLOT_UNAVAILABLE, slot=slot.key)

    return_ = Return(
        reference=unique_reference(session),
        order_id=order.id,
        customer_id=order.customer_id,
        carrier_id=carrier.id,
        status=ReturnStatus.SCHEDULED,
        reason=reason,
        comment=(comment or "").strip() or None,
        pickup_date=slot.date,
        pickup_window_start=slot.start,
        pickup_window_end=slot.end,
        created_at=now,
        updated_at=now,
        lines=[ReturnLine(order_line_id=line_id, quantity=qty) for line_id, qty in items.items()],
    )
    session.add(return_)
    session.flush()
    _audit(
        session,
        return_,
        "create_return",
        {
            "reference": return_.reference,
            "order_id": order.id,
            "items": [{"order_line_id": i, "quantity": q} for i, q in items.items()],
            "reason": reason.value,
            "slot": slot.key,
        },
        idempotency_key=idempotency_key,
        actor=actor,
        now=now,
    )
    return return_


def _check_items(
    session: Session,
    order: Order,
    items: Mapping[int, int],
    *,
    now: dt.datetime,
    return_window_days: int,
) -> None:
    lines = {
        e.line_id: e
        for e in line_eligibility(session, order, now=now, return_window_days=return_window_days)
    }
    for line_id, quantity in items.items():
        line = lines.get(line_id)
        if line is None:  # another order's line, or no line at all
            raise Refused(RefusalReason.LINE_NOT_ELIGIBLE, line_id=line_id)
        if not line.eligible:
            raise Refused(RefusalReason.LINE_NOT_ELIGIBLE, line_id=line_id, because=line.reason)
        if not 1 <= quantity <= line.returnable_quantity:
            raise Refused(
                RefusalReason.INVALID_QUANTITY,
                line_id=line_id,
                quantity=quantity,
                returnable_quantity=line.returnable_quantity,
            )


# --- finding ----------------------------------------------------------------------------------


def find_return(session: Session, reference: str, *, customer_id: int) -> Return | None:
    """The customer's return with this reference; None if unknown or someone else's."""
    return session.scalars(
        select(Return)
        .where(Return.reference == normalize_reference(reference))
        .where(Return.customer_id == customer_id)
        .options(selectinload(Return.lines).selectinload(ReturnLine.order_line))
    ).one_or_none()


def returns_of_customer(session: Session, customer_id: int) -> list[Return]:
    """Every return of the customer, newest first, with its lines and their items loaded."""
    return list(
        session.scalars(
            select(Return)
            .where(Return.customer_id == customer_id)
            .order_by(Return.created_at.desc(), Return.id.desc())
            .options(selectinload(Return.lines).selectinload(ReturnLine.order_line))
        )
    )


# --- moving and cancelling --------------------------------------------------------------------


def move_return(
    session: Session,
    return_: Return,
    slot: Slot,
    *,
    idempotency_key: str,
    actor: str,
    now: dt.datetime,
) -> Return:
    """Move the pickup to ``slot``; the same slot again changes nothing."""
    previous = audit.previous_entry(session, idempotency_key, "move_return")
    if previous is not None:
        return _replayed(session, previous, return_id=return_.id)
    _check_changeable(return_, now=now)
    current = current_slot(return_)
    if slot == current:
        return return_
    if slot not in carrier_pickup_slots(session, return_.carrier, now=now):
        raise Refused(RefusalReason.SLOT_UNAVAILABLE, slot=slot.key)
    return_.pickup_date, return_.pickup_window_start, return_.pickup_window_end = (
        slot.date,
        slot.start,
        slot.end,
    )
    return_.updated_at = now
    session.flush()
    _audit(
        session,
        return_,
        "move_return",
        {"reference": return_.reference, "before": current.key, "after": slot.key},
        idempotency_key=idempotency_key,
        actor=actor,
        now=now,
    )
    return return_


def cancel_return(
    session: Session, return_: Return, *, idempotency_key: str, actor: str, now: dt.datetime
) -> Return:
    """Cancel a scheduled return; its quantities become returnable again."""
    previous = audit.previous_entry(session, idempotency_key, "cancel_return")
    if previous is not None:
        return _replayed(session, previous, return_id=return_.id)
    _check_changeable(return_, now=now)
    return_.status = ReturnStatus.CANCELLED
    return_.updated_at = now
    session.flush()
    _audit(
        session,
        return_,
        "cancel_return",
        {"reference": return_.reference, "slot": current_slot(return_).key},
        idempotency_key=idempotency_key,
        actor=actor,
        now=now,
    )
    return return_


def current_slot(return_: Return) -> Slot:
    return Slot(return_.pickup_date, return_.pickup_window_start, return_.pickup_window_end)


def _check_changeable(return_: Return, *, now: dt.datetime) -> None:
    """Only a scheduled return can change, and only until the carrier's cut-off."""
    if return_.status is not ReturnStatus.SCHEDULED:
        raise Refused(
            RefusalReason.RETURN_NOT_OPEN, reference=return_.reference, status=return_.status
        )
    carrier, slot = return_.carrier, current_slot(return_)
    cutoff = slot_cutoff(carrier, slot)
    if now > cutoff:
        raise Refused(RefusalReason.PAST_CUTOFF, reference=return_.reference, cutoff=cutoff)


# --- audit ------------------------------------------------------------------------------------


def _audit(
    session: Session,
    return_: Return,
    action: str,
    details: dict[str, Any],
    *,
    idempotency_key: str,
    actor: str,
    now: dt.datetime,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type=AUDIT_ENTITY,
        entity_id=return_.id,
        details=details,
        now=now,
        idempotency_key=idempotency_key,
    )


def _replayed(
    session: Session,
    entry: AuditEntry,
    *,
    order_id: int | None = None,
    return_id: int | None = None,
) -> Return:
    """The return an earlier call with the same key produced; a key reused elsewhere raises."""
    return_ = session.get(Return, entry.entity_id)
    if (
        return_ is None
        or (order_id is not None and return_.order_id != order_id)
        or (return_id is not None and return_.id != return_id)
    ):
        raise audit.IdempotencyKeyReused(
            f"idempotency key {entry.idempotency_key!r} was used for another return"
        )
    return return_
