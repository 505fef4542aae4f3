"""A return after it is booked: where it is, moving its pickup, cancelling it.

These journeys start from the verified customer's returns, not from one order (``order_form``
asks nothing of a verified conversation); which return a conversation is about, and how one is
told, is :mod:`actions.customer_returns`. Moves and cancellations go through
:mod:`delivery.services.returns`, idempotent per customer message.
"""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod

from rasa_sdk.events import EventType, FollowupAction, SlotSet
from sqlalchemy.orm import Session

from actions import wording
from actions.base import DeliveryAction, DeliveryFormValidation
from actions.buttons import payload, person_button
from actions.conversation import Conversation
from actions.customer_returns import (
    NOT_FOUND,
    NOT_OPEN,
    TOO_LATE,
    ChoosesReturn,
    changeable,
    chosen_return,
    described,
    open_returns,
)
from actions.names import Entity, Form, Intent, SlotName
from actions.phrases import phrase
from actions.return_pickups import PickupSlotQuestion, PickupSlots, ask_for_pickup_slot
from actions.return_replies import journey_reference, reference_in
from actions.slot_choice import chosen_slot
from delivery.db.models import Customer, Return
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.returns import (
    cancel_return,
    carrier_pickup_slots,
    current_slot,
    find_return,
    move_return,
    returns_of_customer,
)
from delivery.services.slots import local_today

# Responses (data/responses/returns.yml).
STATUS = "utter_return_status_"  # + ReturnStatus value: one return, told
NO_RETURNS = "utter_return_none"
NONE_OPEN = "utter_return_none_open"
CHANGE_OPTIONS = "utter_return_change_options"
MOVE_BUTTON = "utter_return_option_move"
CANCEL_BUTTON = "utter_return_option_cancel"
WHICH_RETURN = "utter_return_which"
MOVE_WHEN = "utter_return_move_when"
NO_OTHER_SLOTS = "utter_return_no_other_slots"
CONFIRM_MOVE = "utter_return_confirm_move"
MOVED = "utter_return_moved"
NOT_MOVED = "utter_return_not_moved"
CONFIRM_CANCEL = "utter_return_confirm_cancel"
CANCELLED = "utter_return_cancelled"
NOT_CANCELLED = "utter_return_not_cancelled"
SLOT_TAKEN = "utter_return_slot_taken"
CHANGE_REFUSED = "utter_return_change_refused"

#: How many of a customer's returns are told (newest first).
RETURNS_SHOWN = 5


def other_slots(session: Session, return_: Return, now: dt.datetime) -> PickupSlots:
    """Where the pickup could move to: the carrier's free slots other than its own."""
    try:
        slots = carrier_pickup_slots(session, return_.carrier, now=now)
    except Refused:
        slots = []
    current = current_slot(return_)
    today = local_today(return_.carrier, now)
    return PickupSlots(slots=[s for s in slots if s != current], today=today)


def explain_nothing_to_change(talk: Conversation, session: Session, customer: Customer) -> None:
    opened = open_returns(session, customer)
    if not opened:
        talk.say(NONE_OPEN)
    for return_ in opened:
        talk.say(TOO_LATE, buttons=[person_button(talk)], **described(talk, return_))


def return_button(talk: Conversation, return_: Return) -> dict[str, str]:
    """'R-7KQ2MX · Blue jumper · Wed 4 Mar'."""
    values = described(talk, return_)
    day = wording.short_day(return_.pickup_date, talk.language)
    return {
        "title": f"{return_.reference} · {values['items']} · {day}",
        "payload": payload(Intent.INFORM, Entity.RETURN_REFERENCE, return_.reference),
    }


# --- where is my return -------------------------------------------------------------------------


class ActionShowReturns(DeliveryAction):
    """Every return of the verified customer (or the one they named), told with its state."""

    def name(self) -> str:
        return "action_show_returns"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        customer = talk.customer(session)
        if customer is None:  # not verified: order_form has said why
            return []
        returns = returns_of_customer(session, customer.id)
        named = reference_in(talk.tracker.latest_message) or journey_reference(talk.tracker)
        if named:
            found = find_return(session, named, customer_id=customer.id)
            if found is None:
                talk.say(NOT_FOUND, reference=named)
            else:
                returns = [found]
        if not returns:
            talk.say(NO_RETURNS)
            return []
        shown = returns[:RETURNS_SHOWN]
        for return_ in shown:
            talk.say(STATUS + return_.status.value, **described(talk, return_))
        open_ones = [r for r in shown if changeable(r, talk.now)]
        if open_ones:
            # With one open return the buttons name it; with several the form asks which.
            entity = Entity.RETURN_REFERENCE if len(open_ones) == 1 else None
            buttons = [
                {
                    "title": phrase(talk.domain, title, talk.language),
                    "payload": payload(intent, entity, open_ones[0].reference),
                }
                for title, intent in (
                    (MOVE_BUTTON, Intent.MOVE_RETURN),
                    (CANCEL_BUTTON, Intent.CANCEL_RETURN),
                )
            ]
            talk.say(CHANGE_OPTIONS, buttons=buttons)
        return []


# --- the forms ----------------------------------------------------------------------------------


class ValidateMoveReturnForm(ChoosesReturn, PickupSlotQuestion, DeliveryFormValidation):
    opening_intents = frozenset({Intent.MOVE_RETURN.value})

    def name(self) -> str:
        return f"validate_{Form.MOVE_RETURN}"

    def still_possible(self, session: Session, talk: Conversation, return_: Return) -> bool:
        if talk.slot(SlotName.RETURN_PICKUP_SLOT):
            return True
        return bool(other_slots(session, return_, talk.now).slots)

    def pickup_slots(self, session: Session, talk: Conversation) -> PickupSlots | None:
        chosen = chosen_return(session, talk)
        if chosen is None or chosen[1] is None:
            return None
        return other_slots(session, chosen[1], talk.now)


class ValidateCancelReturnForm(ChoosesReturn, DeliveryFormValidation):
    def name(self) -> str:
        return f"validate_{Form.CANCEL_RETURN}"


# --- the questions ------------------------------------------------------------------------------


class ActionAskReturnReference(DeliveryAction):
    """The customer's returns that can still change, as buttons."""

    def name(self) -> str:
        return "action_ask_return_reference"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        customer = talk.customer(session)
        if customer is None:
            return []
        opened = [r for r in open_returns(session, customer) if changeable(r, talk.now)]
        talk.say(WHICH_RETURN, buttons=[return_button(talk, r) for r in opened])
        return []


class ActionAskMoveReturnFormReturnPickupSlot(DeliveryAction):
    """The carrier's other free pickup slots as buttons (those that fit a typed day, if one
    was), with the pickup's current day."""

    def name(self) -> str:
        return "action_ask_move_return_form_return_pickup_slot"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        chosen = chosen_return(session, talk)
        if chosen is None or chosen[1] is None:
            return []
        return_ = chosen[1]
        ask_for_pickup_slot(
            talk,
            other_slots(session, return_, talk.now),
            question=MOVE_WHEN,
            opening_intents=ValidateMoveReturnForm.opening_intents,
            **described(talk, return_),
        )
        return []


class ActionAskMoveReturnFormChangeConfirmed(DeliveryAction):
    """'So I'll move the pickup of return R-7KQ2MX from ... to ...?' with Yes/No."""

    def name(self) -> str:
        return "action_ask_move_return_form_change_confirmed"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        chosen = chosen_return(session, talk)
        slot = chosen_slot(talk, SlotName.RETURN_PICKUP_SLOT)
        if chosen is None or chosen[1] is None or slot is None:
            return []
        talk.say(
            CONFIRM_MOVE,
            new_day=wording.day(slot.date, talk.language),
            new_window=wording.window(slot.start, slot.end, talk.language),
            **described(talk, chosen[1]),
        )
        return []


class ActionAskCancelReturnFormChangeConfirmed(DeliveryAction):
    """'Cancel return R-7KQ2MX (Blue jumper)?' with Yes/No."""

    def name(self) -> str:
        return "action_ask_cancel_return_form_change_confirmed"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        chosen = chosen_return(session, talk)
        if chosen is not None and chosen[1] is not None:
            talk.say(CONFIRM_CANCEL, **described(talk, chosen[1]))
        return []


# --- the changes --------------------------------------------------------------------------------


class ReturnChange(DeliveryAction):
    """The end of a move or a cancellation: nothing to change, a "no", or the change."""

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        chosen = chosen_return(session, talk)
        if chosen is None:  # not verified: order_form has said why
            return []
        customer, return_ = chosen
        if return_ is None:
            explain_nothing_to_change(talk, session, customer)
            return []
        try:
            return self.change(talk, session, return_)
        except Refused as refusal:
            return self.refused(talk, return_, refusal)

    @abstractmethod
    def change(self, talk: Conversation, session: Session, return_: Return) -> list[EventType]:
        """Make the change the customer confirmed (or say that nothing changed)."""

    def refused(self, talk: Conversation, return_: Return, refusal: Refused) -> list[EventType]:
        if refusal.reason is RefusalReason.PAST_CUTOFF:
            talk.say(TOO_LATE, buttons=[person_button(talk)], **described(talk, return_))
        elif refusal.reason is RefusalReason.RETURN_NOT_OPEN:
            talk.say(NOT_OPEN, **described(talk, return_))
        else:
            talk.say(CHANGE_REFUSED, buttons=[person_button(talk)], **described(talk, return_))
        return []


class ActionMoveReturn(ReturnChange):
    def name(self) -> str:
        return "action_move_return"

    def change(self, talk: Conversation, session: Session, return_: Return) -> list[EventType]:
        slot = chosen_slot(talk, SlotName.RETURN_PICKUP_SLOT)
        if slot is None:  # the carrier has no other slot free
            talk.say(NO_OTHER_SLOTS, buttons=[person_button(talk)], **described(talk, return_))
            return []
        if talk.slot(SlotName.CHANGE_CONFIRMED) is not True:
            talk.say(NOT_MOVED, **described(talk, return_))
            return []
        moved = move_return(
            session,
            return_,
            slot,
            idempotency_key=talk.idempotency_key(self.name()),
            actor=f"assistant:{talk.key}",
            now=talk.now,
        )
        talk.say(MOVED, **described(talk, moved))
        return []

    def refused(self, talk: Conversation, return_: Return, refusal: Refused) -> list[EventType]:
        if refusal.reason is not RefusalReason.SLOT_UNAVAILABLE:
            return super().refused(talk, return_, refusal)
        # Taken since it was offered: choose another and confirm again.
        talk.say(SLOT_TAKEN)
        return [
            SlotSet(SlotName.RETURN_PICKUP_SLOT, None),
            SlotSet(SlotName.CHANGE_CONFIRMED, None),
            FollowupAction(Form.MOVE_RETURN),
        ]


class ActionCancelReturn(ReturnChange):
    def name(self) -> str:
        return "action_cancel_return"

    def change(self, talk: Conversation, session: Session, return_: Return) -> list[EventType]:
        if talk.slot(SlotName.CHANGE_CONFIRMED) is not True:
            talk.say(NOT_CANCELLED, **described(talk, return_))
            return []
        cancelled = cancel_return(
            session,
            return_,
            idempotency_key=talk.idempotency_key(self.name()),
            actor=f"assistant:{talk.key}",
            now=talk.now,
        )
        talk.say(CANCELLED, **described(talk, cancelled))
        return []
