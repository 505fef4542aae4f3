"""What of the verified customer's order can go back, and the return they have chosen from it.

Every choice of the return form (items, reason, pickup slot) is a value typed or tapped by the
customer, so it is re-checked against the order's returnable lines and the carrier's free pickup
slots whenever it is used (:meth:`ReturnableOrder.chosen`, :meth:`Booking.of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from actions import wording
from actions.conversation import Conversation
from actions.names import SlotName
from actions.order_story import items_text
from actions.phrases import phrase
from actions.return_pickups import PickupSlots
from actions.slot_choice import chosen_slot
from actions.verified_order import verified_order
from delivery.db.models import Order
from delivery.services.refusals import Refused
from delivery.services.return_eligibility import LineEligibility, line_eligibility
from delivery.services.returns import return_carrier, return_pickup_slots
from delivery.services.slots import Slot, local_today
from delivery.services.tracking import Item
from delivery.settings import Settings
from delivery.vocabulary import ReturnReason, ShipmentStatus

# Responses (data/responses/returns.yml).
WHY_NOT = "utter_return_why_not_"  # + IneligibilityReason: a short phrase about one line
REASON = "utter_return_reason_"  # + ReturnReason value: a button title and the summary's words

#: The button for "every returnable item" sends this instead of a line id.
ALL = "all"


@dataclass(frozen=True)
class ReturnableOrder:
    """The verified customer's order and each line's return eligibility."""

    order: Order
    lines: list[LineEligibility]

    @property
    def eligible(self) -> list[LineEligibility]:
        return [line for line in self.lines if line.eligible]

    def chosen(self, ids: Sequence[str]) -> list[LineEligibility] | None:
        """The eligible lines ``ids`` name (``all``: every one); None if any is not eligible."""
        if ALL in ids:
            return self.eligible or None
        eligible = {str(line.line_id): line for line in self.eligible}
        lines = [eligible.get(line_id) for line_id in dict.fromkeys(ids)]
        if not lines or None in lines:
            return None
        return [line for line in lines if line is not None]

    def pickup_slots(self, session: Session, talk: Conversation) -> PickupSlots:
        """The delivering carrier's free pickup slots (none when it collects no returns)."""
        try:
            slots = return_pickup_slots(session, self.order, now=talk.now)
        except Refused:
            return PickupSlots(slots=[], today=talk.now.date())
        return PickupSlots(slots=slots, today=local_today(return_carrier(self.order), talk.now))

    @property
    def carrier(self) -> str:
        return return_carrier(self.order).name

    @property
    def address(self) -> str:
        """Where the carrier collects: where the order was delivered."""
        delivered = [s for s in self.order.shipments if s.status is ShipmentStatus.DELIVERED]
        if not delivered:
            return ""
        first = min(delivered, key=lambda s: (s.delivered_at or s.status_updated_at, s.id))
        return f"{first.street}, {first.postcode} {first.city}"


def returnable_order(
    session: Session, talk: Conversation, settings: Settings
) -> ReturnableOrder | None:
    """The conversation's order if the verified customer owns it; None otherwise."""
    order = verified_order(talk, session)
    if order is None:
        return None
    lines = line_eligibility(
        session, order, now=talk.now, return_window_days=settings.return_window_days
    )
    return ReturnableOrder(order=order, lines=lines)


@dataclass(frozen=True)
class Booking:
    """The return the customer has chosen, re-checked against their order."""

    lines: list[LineEligibility]
    reason: ReturnReason
    slot: Slot

    @classmethod
    def of(cls, talk: Conversation, returnable: ReturnableOrder) -> Booking | None:
        lines = returnable.chosen(chosen_ids(talk.slot(SlotName.RETURN_ITEMS)))
        reason = talk.slot(SlotName.RETURN_REASON)
        slot = chosen_slot(talk, SlotName.RETURN_PICKUP_SLOT)
        if lines is None or slot is None or reason not in ReturnReason._value2member_map_:
            return None
        return cls(lines=lines, reason=ReturnReason(reason), slot=slot)

    def values(self, talk: Conversation, returnable: ReturnableOrder) -> dict[str, Any]:
        return {
            "items": lines_text(self.lines),
            "reason": reason_words(talk, self.reason),
            "day": wording.day(self.slot.date, talk.language),
            "window": wording.window(self.slot.start, self.slot.end, talk.language),
            "carrier": returnable.carrier,
            "address": returnable.address,
            "order_number": returnable.order.number,
        }


def chosen_ids(value: Any) -> list[str]:
    """The ``return_items`` slot (a list from buttons, or one id) as a list of ids."""
    values = value if isinstance(value, list) else [] if value is None else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def lines_text(lines: Sequence[LineEligibility]) -> str:
    """'Blue jumper, 2 × Scarf'."""
    return items_text(tuple(Item(ln.line_id, ln.name, ln.returnable_quantity) for ln in lines))


def excluded_text(talk: Conversation, lines: Sequence[LineEligibility]) -> str:
    """'Mug (already in a return); Socks (not returnable)': the lines that cannot go back."""
    return "; ".join(
        f"{line.name} ({phrase(talk.domain, f'{WHY_NOT}{line.reason}', talk.language)})"
        for line in lines
        if line.reason is not None
    )


def reason_words(talk: Conversation, reason: ReturnReason) -> str:
    """'It doesn't fit': a reason's button title, also used in the summary."""
    return phrase(talk.domain, REASON + reason.value, talk.language)
