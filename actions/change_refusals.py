"""Delivery changes on a verified order: which parcels take the change, and, when none can, why
not and what the customer can do instead.

Both journeys (another day, a pickup point) share these rules:

- **The order** is the one in the ``order_number`` slot, and only if the customer this
  conversation proved to be owns it (:func:`~actions.verified_order.verified_order`); a slot is
  never trusted alone.
- **Which parcels.** An order may travel as several parcels. The change goes to every parcel
  that can still take it *and* travels with the same carrier as the first of them to arrive
  (:func:`parcels_to_change`): the customer asked to move "the delivery", and one carrier can
  move its parcels to one time slot or one pickup point together. Parcels that can no longer
  change (out for delivery, delivered) or that another carrier brings keep their plan; the
  confirmation names the items that moved, so nobody is misled. A later request picks the next
  carrier's parcels once the first ones are on their way.
- **Why not.** When no parcel can take the change, the refusal of the parcel that matters most
  (one still coming, the first to arrive) is told with the facts it needs, plus buttons for
  what is still possible: the other kind of change if some parcel can take it, a return once
  delivered, and a person always (:func:`tell_refusal`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from actions import wording
from actions.buttons import payload, person_button
from actions.conversation import Conversation
from actions.names import Intent
from actions.order_story import items_text
from actions.phrases import phrase
from actions.verified_order import verified_order
from delivery.db.models import Order, PickupPoint, Shipment
from delivery.services.pickup_points import ensure_can_switch
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.reschedule import available_slots
from delivery.services.slots import carrier_zone, local_today
from delivery.services.tracking import Item
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, ChangeKind, OrderStatus, ShipmentStatus

T = TypeVar("T")

#: ``utter_change_refused_`` + a :class:`RefusalReason` value (or one of the reasons below).
REFUSED = "utter_change_refused"
REFUSED_PREFIX = "utter_change_refused_"
#: Reasons the services do not raise, told with the same responses.
NOT_SHIPPED = "not_shipped"
WAITING_AT_PICKUP_POINT = "waiting_at_pickup_point"
#: ``utter_change_option_`` + an :class:`Alternative` value: a button title (a person's button
#: is the one every journey offers).
OPTION_PREFIX = "utter_change_option_"

#: Reasons a refusal response exists for; any other reason gets the plain "I can't".
_TOLD_REASONS = frozenset(
    {
        RefusalReason.OUT_FOR_DELIVERY,
        RefusalReason.ALREADY_DELIVERED,
        RefusalReason.RETURNED_TO_SENDER,
        RefusalReason.UNDER_INVESTIGATION,
        RefusalReason.AT_PICKUP_POINT,
        RefusalReason.PAST_CUTOFF,
        RefusalReason.SLOT_UNAVAILABLE,
        RefusalReason.NO_SLOTS,
        RefusalReason.PICKUP_POINTS_NOT_SUPPORTED,
        RefusalReason.POINT_NOT_SERVED,
        RefusalReason.POINT_FULL,
        RefusalReason.ORDER_CANCELLED,
    }
)

#: A choice that was just taken by someone else: choosing again is the first thing to offer.
_CHOOSE_AGAIN = {
    RefusalReason.SLOT_UNAVAILABLE: ChangeKind.RESCHEDULE,
    RefusalReason.POINT_FULL: ChangeKind.PICKUP_POINT,
    RefusalReason.POINT_NOT_SERVED: ChangeKind.PICKUP_POINT,
}


class NotShippedYet(Exception):
    """The order has no parcel with a carrier yet, so there is no delivery to change."""


class Alternative(StrEnum):
    """What a refused customer is offered instead (a button each)."""

    RESCHEDULE = "reschedule"
    PICKUP_POINT = "pickup_point"
    RETURN = "return"
    TALK_TO_PERSON = "talk_to_person"


_INTENTS = {
    Alternative.RESCHEDULE: Intent.RESCHEDULE_DELIVERY,
    Alternative.PICKUP_POINT: Intent.CHOOSE_PICKUP_POINT,
    Alternative.RETURN: Intent.REQUEST_RETURN,
}
_ALTERNATIVE_OF_KIND = {
    ChangeKind.RESCHEDULE: Alternative.RESCHEDULE,
    ChangeKind.PICKUP_POINT: Alternative.PICKUP_POINT,
}


# --- the order and its parcels -----------------------------------------------------------------


def change_plan(
    talk: Conversation,
    session: Session,
    kind: ChangeKind,
    plan: Callable[[Order], T],
    *,
    quiet: bool = False,
) -> T | None:
    """``plan`` of a change of ``kind`` to the verified order; None when the conversation does
    not own the order (nothing is said: order_form has said why) or when the change is refused
    (the refusal is told, unless ``quiet``)."""
    order = verified_order(talk, session)
    if order is None:
        return None
    try:
        return plan(order)
    except (Refused, NotShippedYet) as problem:
        if not quiet:
            tell_refusal(talk, session, problem, order=order, kind=kind)
        return None


def parcels_to_change(order: Order, check: Callable[[Shipment], object]) -> list[Shipment]:
    """The parcels of ``order`` that pass ``check`` (which raises :class:`Refused` otherwise) and
    travel with the carrier of the first of them to arrive, first to arrive first.

    Raises the refusal of the most relevant parcel when none passes, :class:`NotShippedYet` when
    the order has no parcel at all (or ``Refused(ORDER_CANCELLED)`` for a cancelled one).
    """
    if not order.shipments:
        if order.status == OrderStatus.CANCELLED:
            raise Refused(RefusalReason.ORDER_CANCELLED, order_id=order.id)
        raise NotShippedYet(order.number)
    passed: list[Shipment] = []
    refusals: list[Refused] = []
    for shipment in by_relevance(order.shipments):
        try:
            check(shipment)
        except Refused as refused:
            refusals.append(refused)
        else:
            passed.append(shipment)
    if not passed:
        raise refusals[0]
    return [shipment for shipment in passed if shipment.carrier_id == passed[0].carrier_id]


def by_relevance(shipments: Iterable[Shipment]) -> list[Shipment]:
    """Parcels still coming before finished ones, then by the day they are planned for."""
    return sorted(
        shipments,
        key=lambda s: (s.status in FINAL_SHIPMENT_STATUSES, s.eta_date or s.promised_date, s.id),
    )


def items_of(order: Order, shipments: Iterable[Shipment]) -> str:
    """'Mug, 2 × Plate': the order's items travelling in ``shipments``."""
    ids = {shipment.id for shipment in shipments}
    return items_text(
        tuple(
            Item(line.id, line.name, line.quantity)
            for line in order.lines
            if line.shipment_id in ids
        )
    )


# --- telling why not ---------------------------------------------------------------------------


def tell_refusal(
    talk: Conversation,
    session: Session,
    problem: Refused | NotShippedYet,
    *,
    order: Order,
    kind: ChangeKind,
) -> None:
    """Say why ``kind`` of change was refused, with buttons for what is still possible."""
    response, values = refusal_message(talk, session, problem, order=order)
    options = alternatives(session, order, kind=kind, problem=problem, now=talk.now)
    talk.say(response, buttons=[option_button(talk, option) for option in options], **values)


def refusal_message(
    talk: Conversation, session: Session, problem: Refused | NotShippedYet, *, order: Order
) -> tuple[str, dict[str, Any]]:
    """The response that tells ``problem``, and the values it needs."""
    if isinstance(problem, NotShippedYet):
        return REFUSED_PREFIX + NOT_SHIPPED, {"order_number": order.number}
    reason = problem.reason
    if reason not in _TOLD_REASONS:
        return REFUSED, {}
    # The parcel refused, else the one that matters most: every told reason names its carrier.
    shipment = next(
        (s for s in order.shipments if s.id == problem.details.get("shipment_id")),
        next(iter(by_relevance(order.shipments)), None),
    )
    if shipment is None:
        return REFUSED, {}
    values: dict[str, Any] = {"order_number": order.number, "carrier": shipment.carrier.name}
    if reason is RefusalReason.PAST_CUTOFF:
        values |= _cutoff_values(talk, shipment, problem.details.get("cutoff_at"))
    elif reason is RefusalReason.NO_SLOTS:
        values["days"] = shipment.carrier.reschedule_max_days_ahead
    elif reason is RefusalReason.POINT_FULL:
        point = session.get(PickupPoint, problem.details.get("point_id") or 0)
        values["pickup_point"] = point.name if point is not None else ""
    elif reason is RefusalReason.AT_PICKUP_POINT:
        point = shipment.pickup_point
        values["pickup_point"] = point.name if point is not None else ""
        if shipment.status is ShipmentStatus.READY_FOR_PICKUP:
            return REFUSED_PREFIX + WAITING_AT_PICKUP_POINT, values
    return REFUSED_PREFIX + reason.value, values


def _cutoff_values(talk: Conversation, shipment: Shipment, cutoff: object) -> dict[str, Any]:
    """How many hours ahead the carrier fixes its route, and when this delivery's cut-off was."""
    values: dict[str, Any] = {
        "hours": shipment.carrier.reschedule_cutoff_hours,
        "cutoff_day": "",
        "cutoff_time": "",
    }
    if isinstance(cutoff, dt.datetime):
        zone = carrier_zone(shipment.carrier)
        day = cutoff.astimezone(zone).date()
        values["cutoff_day"] = wording.relative_day(
            day, local_today(shipment.carrier, talk.now), talk.language
        )
        values["cutoff_time"] = wording.time_of(cutoff, zone, talk.language)
    return values


def alternatives(
    session: Session,
    order: Order,
    *,
    kind: ChangeKind,
    problem: Refused | NotShippedYet,
    now: dt.datetime,
) -> list[Alternative]:
    """What the customer can still do: choose again when the choice was just taken, the other
    kind of change when some parcel can take it, a return once delivered, a person always."""
    options: list[Alternative] = []
    reason = problem.reason if isinstance(problem, Refused) else None
    again = _CHOOSE_AGAIN.get(reason) if reason is not None else None
    if again is not None and can_change(session, order, again, now=now):
        options.append(_ALTERNATIVE_OF_KIND[again])
    other = ChangeKind.PICKUP_POINT if kind is ChangeKind.RESCHEDULE else ChangeKind.RESCHEDULE
    if can_change(session, order, other, now=now):
        options.append(_ALTERNATIVE_OF_KIND[other])
    if reason is RefusalReason.ALREADY_DELIVERED:
        options.append(Alternative.RETURN)
    options.append(Alternative.TALK_TO_PERSON)
    return list(dict.fromkeys(options))


def can_change(session: Session, order: Order, kind: ChangeKind, *, now: dt.datetime) -> bool:
    """Could some parcel of ``order`` take a change of ``kind`` right now?"""

    def check(shipment: Shipment) -> object:
        if kind is ChangeKind.PICKUP_POINT:
            ensure_can_switch(shipment, now=now)
            return None
        return available_slots(session, shipment, now=now)

    try:
        parcels_to_change(order, check)
    except (Refused, NotShippedYet):
        return False
    return True


def option_button(talk: Conversation, option: Alternative) -> dict[str, str]:
    if option is Alternative.TALK_TO_PERSON:
        return person_button(talk)
    return {
        "title": phrase(talk.domain, OPTION_PREFIX + option.value, talk.language),
        "payload": payload(_INTENTS[option]),
    }
