"""Which order the customer means, and proof that it is theirs (the ``order_form``).

The form asks only for what is missing. A conversation already linked to a customer (verified
earlier, or by the channel: the shop's token, a Telegram contact) is asked for nothing when the
order is theirs; otherwise the order number and then the order's e-mail or delivery postcode.
Both may come in one message. Proof is checked by
:func:`delivery.services.identity.verify_order_ownership` (which counts failures and locks out);
on success the conversation is linked to the customer, so that every later action can ask the
database who this is. Whether an order number exists is never revealed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions import wording
from actions.base import DeliveryAction, DeliveryFormValidation
from actions.conversation import Conversation
from actions.handoff import hand_over
from actions.names import Entity, Form, Journey, Response, SlotName
from delivery.db.models import Customer, Order
from delivery.normalize import order_number_key
from delivery.services.identity import (
    LockoutPolicy,
    VerificationFailure,
    VerificationOutcome,
    link_channel,
    verify_order_ownership,
)
from delivery.services.orders import orders_of_customer
from delivery.services.tracking_reads import load_order_record
from delivery.vocabulary import HandoffReason, VerificationMethod

#: How many of a customer's orders are offered as buttons.
ORDERS_OFFERED = 5

#: An order number has at least this many letters and digits (shorter is a typo or a word).
_MIN_ORDER_KEY = 4
_EMAIL_IN_TEXT = re.compile(r"[^@\s,;:<>()\"']+@[^@\s,;:<>()\"']+\.[A-Za-z]{2,}")
#: A reply to "what's your postcode?" is short: longer text is a sentence, not a postcode.
_MAX_POSTCODE_REPLY = 10


def owned_order(session: Session, customer: Customer | None, number: str | None) -> int | None:
    """The id of order ``number`` if it is ``customer``'s; None otherwise (or when unknown)."""
    if customer is None or not number:
        return None
    record = load_order_record(session, number)
    if record is None or record.customer_id != customer.id:
        return None
    return record.id


def only_order_number(session: Session, customer: Customer) -> str | None:
    """The number of the customer's only order; None when they have several (or none)."""
    orders = orders_of_customer(session, customer.id, limit=2)
    return orders[0].number if len(orders) == 1 else None


def journey_of(tracker: Tracker) -> Journey | None:
    value = tracker.get_slot(SlotName.JOURNEY)
    return Journey(value) if value in Journey._value2member_map_ else None


class ValidateOrderForm(DeliveryFormValidation):
    def name(self) -> str:
        return f"validate_{Form.ORDER}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validates; a lockout in this turn hands the conversation to a person, who can
        check who the customer is in other ways."""
        # Read first: rasa-sdk writes this turn's slots into the tracker while it validates.
        locked_before = tracker.get_slot(SlotName.JOURNEY_ALLOWED) is False
        events = await super().run(dispatcher, tracker, domain)
        if not locked_before and _locks_out(events):
            talk = self.conversation(dispatcher, tracker, domain)
            settings = self.runtime.settings
            events += await self.in_session(
                lambda session: hand_over(talk, session, settings, HandoffReason.LOCKOUT)
            )
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot(SlotName.JOURNEY_ALLOWED) is False:  # locked out: the form ends
            return []
        talk = self.conversation(dispatcher, tracker)
        number = tracker.get_slot(SlotName.ORDER_NUMBER)
        journey = journey_of(tracker)

        def needed(session: Session) -> list[str]:
            customer = talk.customer(session)
            if customer is not None and journey is not None and not journey.needs_an_order:
                return []
            if not number:
                return [SlotName.ORDER_NUMBER]
            if owned_order(session, customer, number) is not None:
                # Listed although filled: rasa-sdk only keeps (and validates) the slots that
                # required_slots names, and the order number must outlive the form.
                return [SlotName.ORDER_NUMBER]
            return [SlotName.ORDER_NUMBER, SlotName.PROOF]

        return await self.in_session(needed)

    # --- order number -----------------------------------------------------------------------

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A linked customer with a single order need not say which."""
        if tracker.get_slot(SlotName.ORDER_NUMBER):
            return {}
        talk = self.conversation(dispatcher, tracker)

        def only_order(session: Session) -> str | None:
            customer = talk.customer(session)
            return None if customer is None else only_order_number(session, customer)

        number = await self.in_session(only_order)
        return {SlotName.ORDER_NUMBER: number} if number else {}

    async def validate_order_number(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        talk = self.conversation(dispatcher, tracker)
        number = str(value or "").strip()
        if len(order_number_key(number)) < _MIN_ORDER_KEY:
            talk.say(Response.ORDER_NUMBER_UNREADABLE)
            return {SlotName.ORDER_NUMBER: None}
        if tracker.get_slot(SlotName.REQUESTED_SLOT) == SlotName.PROOF and bare_reply(talk, number):
            # "00184" in answer to "your e-mail or postcode?" is a postcode that looks like an
            # order number (NLU cannot tell them apart): check it as the proof of the order
            # the customer named before.
            previous = slot_before_this_turn(tracker, SlotName.ORDER_NUMBER)
            if previous and order_number_key(previous) != order_number_key(number):
                return await self._verify(talk, previous, number)
        proof = tracker.get_slot(SlotName.PROOF)
        if proof:
            return await self._verify(talk, number, str(proof))
        return {SlotName.ORDER_NUMBER: number}

    # --- proof ------------------------------------------------------------------------------

    async def extract_proof(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        talk = self.conversation(dispatcher, tracker)
        asked = tracker.get_slot(SlotName.REQUESTED_SLOT) == SlotName.PROOF
        proof = proof_in(talk, asked=asked)
        return {SlotName.PROOF: proof} if proof else {}

    async def validate_proof(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        talk = self.conversation(dispatcher, tracker)
        if tracker.get_slot(SlotName.PROOF) is None:  # already checked with the order number
            return {}
        number = tracker.get_slot(SlotName.ORDER_NUMBER)
        if not number:  # proof before the order number: keep it until the number comes
            return {SlotName.PROOF: value}
        return await self._verify(talk, str(number), str(value))

    # --- the check --------------------------------------------------------------------------

    async def _verify(self, talk: Conversation, number: str, proof: str) -> dict[str, Any]:
        policy = LockoutPolicy.from_settings(self.runtime.settings)

        def check(session: Session) -> tuple[VerificationOutcome, str | None]:
            customer = talk.customer(session)
            if owned_order(session, customer, number) is not None:  # proved earlier this turn
                return VerificationOutcome(verified=True), None
            outcome = verify_order_ownership(
                session,
                order_number=number,
                secret=proof,
                conversation_key=talk.key,
                policy=policy,
                now=talk.now,
            )
            if not outcome.verified or outcome.customer_id is None:
                return outcome, None
            link_channel(
                session,
                channel=talk.channel,
                external_id=talk.sender_id,
                customer_id=outcome.customer_id,
                method=outcome.method or _method_of(proof),
                actor=f"assistant:{talk.key}",
                now=talk.now,
            )
            linked = session.get(Customer, outcome.customer_id)
            return outcome, None if linked is None else linked.first_name

        outcome, first_name = await self.in_session(check)
        return self._answer(talk, number, outcome, first_name)

    def _answer(
        self,
        talk: Conversation,
        number: str,
        outcome: VerificationOutcome,
        first_name: str | None,
    ) -> dict[str, Any]:
        if outcome.verified:
            slots: dict[str, Any] = {SlotName.ORDER_NUMBER: number, SlotName.PROOF: None}
            if first_name:
                slots |= {SlotName.CUSTOMER_NAME: first_name, SlotName.NAME_KNOWN: True}
                talk.say(Response.VERIFIED_BY_NAME, customer_name=first_name)
            elif outcome.customer_id is not None:
                talk.say(Response.VERIFIED)
            return slots
        if outcome.failure is VerificationFailure.LOCKED_OUT or outcome.attempts_left == 0:
            talk.say(Response.LOCKED_OUT, minutes=minutes_until(outcome.locked_until, talk))
            return {
                SlotName.ORDER_NUMBER: None,
                SlotName.PROOF: None,
                SlotName.JOURNEY_ALLOWED: False,
            }
        if outcome.failure is VerificationFailure.INVALID_INPUT:
            talk.say(Response.PROOF_UNREADABLE)
            return {SlotName.PROOF: None}
        last_try = outcome.attempts_left == 1
        talk.say(
            Response.VERIFICATION_FAILED_LAST_TRY if last_try else Response.VERIFICATION_FAILED,
            order_number=number,
        )
        return {SlotName.ORDER_NUMBER: number, SlotName.PROOF: None}


def _locks_out(events: list[EventType]) -> bool:
    return any(
        event.get("event") == "slot"
        and event.get("name") == SlotName.JOURNEY_ALLOWED
        and event.get("value") is False
        for event in events
    )


def _method_of(proof: str) -> VerificationMethod:
    return VerificationMethod.ORDER_EMAIL if "@" in proof else VerificationMethod.ORDER_POSTCODE


def minutes_until(moment: dt.datetime | None, talk: Conversation) -> int:
    """Whole minutes (at least one) from now until ``moment``."""
    if moment is None:
        return 1
    return max(1, math.ceil((moment - talk.now).total_seconds() / 60))


def bare_reply(talk: Conversation, value: str) -> bool:
    """Whether the customer's whole message is ``value`` (no "#", no "order", no other words)."""
    text = talk.latest_text.strip()
    return not text.startswith("#") and text.casefold() == value.strip().casefold()


def slot_before_this_turn(tracker: Tracker, slot: str) -> Any:
    """The value ``slot`` had before the customer's latest message."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=0)
    for event in reversed(events[:last_user]):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def proof_in(talk: Conversation, *, asked: bool) -> str | None:
    """The e-mail or postcode in the customer's latest message, if there is one.

    Entities first; then an e-mail anywhere in the text; then, only when the proof was just
    asked for, a short reply taken as a postcode (NLU may not recognise every postcode format).
    """
    for entity in (Entity.EMAIL, Entity.POSTCODE):
        value = talk.entity(entity)
        if value:
            return value
    text = talk.latest_text
    if text.startswith("/"):  # a button or hand-typed intent: entities only
        return None
    found = _EMAIL_IN_TEXT.search(text)
    if found:
        return found.group(0)
    reply = text.strip()
    if asked and 0 < len(reply) <= _MAX_POSTCODE_REPLY and any(ch.isdigit() for ch in reply):
        return reply
    return None


class ActionAskProof(Action):
    """Asks for the e-mail or postcode, unless the form has just said what to send again."""

    def name(self) -> str:
        return "action_ask_proof"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not answered_this_turn(tracker):
            dispatcher.utter_message(response=Response.ASK_PROOF)
        return []


def answered_this_turn(tracker: Tracker) -> bool:
    """Whether the assistant has already said something since the customer's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            return True
    return False


class ActionAskOrderNumber(DeliveryAction):
    """Asks which order: the linked customer's recent orders as buttons, else the number."""

    writes = False

    def name(self) -> str:
        return "action_ask_order_number"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        customer = talk.customer(session)
        if customer is None:
            talk.say(Response.ASK_ORDER_NUMBER)
            return []
        orders = orders_of_customer(session, customer.id, limit=ORDERS_OFFERED)
        if not orders:
            talk.say(Response.NO_ORDERS)
            return []
        talk.say(Response.ASK_WHICH_ORDER, buttons=[order_button(order, talk) for order in orders])
        return []


def order_button(order: Order, talk: Conversation) -> dict[str, str]:
    placed = wording.short_day(order.placed_at.date(), talk.language)
    return {
        "title": f"{order.number} · {placed}",
        "payload": f'/inform{{"{Entity.ORDER_NUMBER}":"{order.number}"}}',
    }
