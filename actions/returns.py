"""Returning items with a home pickup: can the order go back, which items, why, when; then book it.

``action_check_return`` decides whether the verified customer's order has anything returnable
and a carrier that collects returns; when not, it says why and what the customer can do instead.
The ``return_form`` then asks for the items (buttons of the returnable lines), the reason
(buttons, or the customer's own words), the pickup slot (the carrier's free slots as buttons, or
a typed day, :mod:`actions.return_pickups`) and a yes. Every choice is re-checked against the
verified customer's order when it comes in (:mod:`actions.returnable`), and again when
:func:`delivery.services.returns.create_return` books the return.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions import wording
from actions.base import DeliveryAction, DeliveryFormValidation
from actions.buttons import payload, person_button
from actions.conversation import Conversation
from actions.customer_returns import described
from actions.names import Entity, Form, Intent, SlotName
from actions.phrases import phrase
from actions.return_pickups import (
    NO_SLOTS,
    PickupSlotQuestion,
    PickupSlots,
    ask_for_pickup_slot,
)
from actions.return_replies import answers, items_named, plausible_answer, reason_comment, reason_in
from actions.returnable import (
    ALL,
    Booking,
    ReturnableOrder,
    chosen_ids,
    excluded_text,
    lines_text,
    reason_words,
    returnable_order,
)
from actions.verified_order import VerifiedOrderForm
from delivery.db.models import Order, Return
from delivery.services import audit
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.return_eligibility import IneligibilityReason
from delivery.services.returns import create_return, return_pickup_slots
from delivery.vocabulary import ReturnReason

# Responses (data/responses/returns.yml).
INELIGIBLE = "utter_return_ineligible_"  # + IneligibilityReason: why nothing in it can go back
NOTHING_RETURNABLE = "utter_return_nothing_returnable"  # its lines fail for different reasons
PICKUP_NOT_SUPPORTED = "utter_return_pickup_not_supported"
SOME_ITEMS_EXCLUDED = "utter_return_some_items_excluded"
WHICH_ITEMS = "utter_return_which_items"
ALL_ITEMS = "utter_return_all_items"  # a button title
ITEM_UNAVAILABLE = "utter_return_item_unavailable"
ITEM_UNCLEAR = "utter_return_item_unclear"
WHY = "utter_return_why"
WHEN = "utter_return_when"
CONFIRM = "utter_return_confirm"
BOOKED = "utter_return_booked"
NOT_BOOKED = "utter_return_not_booked"
SLOT_TAKEN = "utter_return_slot_taken"
REFUSED = "utter_return_refused"

#: What :func:`delivery.services.returns.create_return` records in the audit log (its
#: idempotency record).
CREATE_AUDIT_ACTION = "create_return"

#: When nothing can go back for these reasons, a person is offered (the other answers offer to
#: track the order or the return, from the domain).
_A_PERSON_HELPS = frozenset(
    {
        IneligibilityReason.ORDER_CANCELLED,
        IneligibilityReason.NOT_RETURNABLE,
        IneligibilityReason.WINDOW_CLOSED,
    }
)


# --- may the order go back at all -------------------------------------------------------------


class ActionCheckReturn(DeliveryAction):
    """Sets ``journey_allowed``; when false, says why and what the customer can do instead."""

    def name(self) -> str:
        return "action_check_return"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        returnable = returnable_order(session, talk, self.runtime.settings)
        # Not verified: order_form has said why (the lockout), so this stays quiet.
        allowed = returnable is not None and self._allowed(talk, session, returnable)
        return [SlotSet(SlotName.JOURNEY_ALLOWED, allowed)]

    def _allowed(self, talk: Conversation, session: Session, returnable: ReturnableOrder) -> bool:
        number = returnable.order.number
        if not returnable.eligible:
            reasons = {line.reason for line in returnable.lines}
            if len(reasons) != 1:
                talk.say(
                    NOTHING_RETURNABLE,
                    buttons=[person_button(talk)],
                    order_number=number,
                    lines=excluded_text(talk, returnable.lines),
                )
                return False
            reason = reasons.pop()
            closes = [line.window_closes_on for line in returnable.lines if line.window_closes_on]
            talk.say(
                f"{INELIGIBLE}{reason}",
                buttons=[person_button(talk)] if reason in _A_PERSON_HELPS else [],
                order_number=number,
                window_days=self.runtime.settings.return_window_days,
                closed_on=wording.day(max(closes), talk.language) if closes else "",
            )
            return False
        try:
            slots = return_pickup_slots(session, returnable.order, now=talk.now)
        except Refused as refusal:
            if refusal.reason is not RefusalReason.RETURN_PICKUP_NOT_SUPPORTED:
                raise
            talk.say(
                PICKUP_NOT_SUPPORTED, buttons=[person_button(talk)], carrier=returnable.carrier
            )
            return False
        if not slots:
            talk.say(NO_SLOTS, buttons=[person_button(talk)], carrier=returnable.carrier)
            return False
        return True


# --- the form ---------------------------------------------------------------------------------


class ValidateReturnForm(VerifiedOrderForm, PickupSlotQuestion, DeliveryFormValidation):
    def name(self) -> str:
        return f"validate_{Form.RETURN}"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """All of them for a returnable order of the verified customer; none otherwise (the form
        ends and ``action_create_return`` stays quiet)."""
        if tracker.get_slot(SlotName.JOURNEY_ALLOWED) is not True:
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    async def _returnable(self, talk: Conversation) -> ReturnableOrder | None:
        return await self.in_session(
            lambda session: returnable_order(session, talk, self.runtime.settings)
        )

    def pickup_slots(self, session: Session, talk: Conversation) -> PickupSlots | None:
        returnable = returnable_order(session, talk, self.runtime.settings)
        return None if returnable is None else returnable.pickup_slots(session, talk)

    async def extract_return_items(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Items typed by name or place, "all of them", or the only item of a one-item order."""
        talk = self.conversation(dispatcher, tracker, domain)
        if talk.slot(SlotName.RETURN_ITEMS) or talk.entity(Entity.RETURN_LINE):
            return {}
        asked = talk.slot(SlotName.REQUESTED_SLOT) == SlotName.RETURN_ITEMS
        text = talk.latest_text
        if asked and (text.startswith("/") or not answers(tracker, SlotName.RETURN_ITEMS)):
            return {}
        returnable = await self._returnable(talk)
        if returnable is None:
            return {}
        if not asked:  # the form starts: an order of one returnable item needs no question
            lines = returnable.lines
            single = len(lines) == 1 and lines[0].eligible
            return {SlotName.RETURN_ITEMS: [str(lines[0].line_id)]} if single else {}
        named = items_named(text, returnable.eligible)
        if named:
            return {SlotName.RETURN_ITEMS: named}
        # Not an item: ask again rather than let another rule take a reply meant for the form.
        return {SlotName.RETURN_ITEMS: None} if plausible_answer(tracker) else {}

    async def validate_return_items(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ids = chosen_ids(value)
        if not ids:
            return {SlotName.RETURN_ITEMS: None}
        talk = self.conversation(dispatcher, tracker, domain)
        returnable = await self._returnable(talk)
        lines = None if returnable is None else returnable.chosen(ids)
        if lines is None:  # another order's line, a returned one, or a made-up id
            talk.say(ITEM_UNAVAILABLE)
            return {SlotName.RETURN_ITEMS: None}
        return {SlotName.RETURN_ITEMS: [str(line.line_id) for line in lines]}

    async def extract_return_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The customer's own words: the usual reason they name, else ``other``."""
        talk = self.conversation(dispatcher, tracker, domain)
        if talk.slot(SlotName.RETURN_REASON) or talk.entity(Entity.RETURN_REASON):
            return {}
        text = talk.latest_text.strip()
        asked = talk.slot(SlotName.REQUESTED_SLOT) == SlotName.RETURN_REASON
        if not asked or text[:1] in ("", "/") or not answers(tracker, SlotName.RETURN_REASON):
            return {}
        reason = reason_in(text) or (ReturnReason.OTHER if plausible_answer(tracker) else None)
        return {SlotName.RETURN_REASON: reason.value} if reason else {}

    async def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        known = str(value) in ReturnReason._value2member_map_
        return {SlotName.RETURN_REASON: str(value) if known else None}


# --- the questions ----------------------------------------------------------------------------


class ActionAskReturnItems(DeliveryAction):
    """The returnable lines as buttons (and "all of them"); the others with why they can't go."""

    def name(self) -> str:
        return "action_ask_return_items"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        returnable = returnable_order(session, talk, self.runtime.settings)
        if returnable is None:
            return []
        excluded = [line for line in returnable.lines if not line.eligible]
        answered = answers(talk.tracker, SlotName.RETURN_ITEMS)
        if answered and talk.latest_text[:1] not in ("", "/"):  # words that named no item
            talk.say(ITEM_UNCLEAR)
        elif excluded and not answered:
            talk.say(SOME_ITEMS_EXCLUDED, lines=excluded_text(talk, excluded))
        eligible = returnable.eligible
        buttons = [
            {"title": lines_text([line]), "payload": line_payload(str(line.line_id))}
            for line in eligible
        ]
        if len(eligible) > 1:
            title = phrase(talk.domain, ALL_ITEMS, talk.language)
            buttons.append({"title": title, "payload": line_payload(ALL)})
        talk.say(WHICH_ITEMS, buttons=buttons, order_number=returnable.order.number)
        return []


def line_payload(line_id: str) -> str:
    return payload(Intent.INFORM, Entity.RETURN_LINE, line_id)


class ActionAskReturnReason(DeliveryAction):
    """The usual reasons as buttons; the customer may also say it in their own words."""

    def name(self) -> str:
        return "action_ask_return_reason"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        returnable = returnable_order(session, talk, self.runtime.settings)
        if returnable is None:
            return []
        lines = returnable.chosen(chosen_ids(talk.slot(SlotName.RETURN_ITEMS))) or []
        buttons = [
            {
                "title": reason_words(talk, reason),
                "payload": payload(Intent.INFORM, Entity.RETURN_REASON, reason),
            }
            for reason in ReturnReason
        ]
        talk.say(WHY, buttons=buttons, items=lines_text(lines))
        return []


class ActionAskReturnFormReturnPickupSlot(DeliveryAction):
    """The carrier's free pickup slots as buttons (those that fit a typed day, if one was)."""

    def name(self) -> str:
        return "action_ask_return_form_return_pickup_slot"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        returnable = returnable_order(session, talk, self.runtime.settings)
        if returnable is None:
            return []
        offer = returnable.pickup_slots(session, talk)
        ask_for_pickup_slot(talk, offer, question=WHEN, carrier=returnable.carrier)
        return []


class ActionAskReturnFormChangeConfirmed(DeliveryAction):
    """What will be booked, in one message, with Yes and No."""

    def name(self) -> str:
        return "action_ask_return_form_change_confirmed"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        returnable = returnable_order(session, talk, self.runtime.settings)
        booking = None if returnable is None else Booking.of(talk, returnable)
        if returnable is not None and booking is not None:
            talk.say(CONFIRM, **booking.values(talk, returnable))
        return []


# --- booking ----------------------------------------------------------------------------------


class ActionCreateReturn(DeliveryAction):
    """Books the confirmed return (once, however often the "yes" is processed)."""

    def name(self) -> str:
        return "action_create_return"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        returnable = returnable_order(session, talk, self.runtime.settings)
        if returnable is None:  # not verified: nothing to say, nothing to book
            return []
        if talk.slot(SlotName.CHANGE_CONFIRMED) is not True:
            talk.say(NOT_BOOKED)
            return []
        key = talk.idempotency_key(self.name())
        return_ = booked_before(session, key, returnable.order)
        if return_ is None:
            booking = Booking.of(talk, returnable)
            if booking is None:  # a choice no longer holds (e.g. returned in another chat)
                talk.say(REFUSED, buttons=[person_button(talk)])
                return []
            try:
                return_ = create_return(
                    session,
                    returnable.order,
                    {line.line_id: line.returnable_quantity for line in booking.lines},
                    booking.reason,
                    booking.slot,
                    comment=reason_comment(talk.tracker),
                    idempotency_key=key,
                    actor=f"assistant:{talk.key}",
                    now=talk.now,
                    return_window_days=self.runtime.settings.return_window_days,
                )
            except Refused as refusal:
                return self._refused(talk, refusal)
        talk.say(BOOKED, address=returnable.address, **described(talk, return_))
        return []

    def _refused(self, talk: Conversation, refusal: Refused) -> list[EventType]:
        if refusal.reason is not RefusalReason.SLOT_UNAVAILABLE:
            talk.say(REFUSED, buttons=[person_button(talk)])
            return []
        # Taken since it was offered: choose another and confirm again.
        talk.say(SLOT_TAKEN)
        return [
            SlotSet(SlotName.RETURN_PICKUP_SLOT, None),
            SlotSet(SlotName.CHANGE_CONFIRMED, None),
            FollowupAction(Form.RETURN),
        ]


def booked_before(session: Session, key: str, order: Order) -> Return | None:
    """The return this very confirmation booked already (the message processed again: a retry,
    a double tap), which must be told again rather than re-checked as a new booking."""
    entry = audit.previous_entry(session, key, CREATE_AUDIT_ACTION)
    return_ = None if entry is None else session.get(Return, entry.entity_id)
    return return_ if return_ is not None and return_.order_id == order.id else None
