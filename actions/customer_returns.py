"""The verified customer's returns: which are open and can still change, the one a conversation is
about, and the values every response about a return uses.

A reference comes from the message that started the journey ("cancel R-7KQ2MX"), from a button
of the customer's open returns, or is not needed at all when only one return is open
(:class:`ChoosesReturn`). It is always looked up among the verified customer's own returns, so
someone else's reference reads as unknown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions import wording
from actions.base import UsesDatabase
from actions.buttons import person_button
from actions.conversation import Conversation
from actions.names import SlotName
from actions.order_story import items_text
from actions.phrases import phrase
from actions.return_replies import answers, journey_reference, plausible_answer, reference_in
from delivery.db.models import Customer, Return
from delivery.services.returns import (
    current_slot,
    find_return,
    normalize_reference,
    returns_of_customer,
)
from delivery.services.slots import slot_cutoff
from delivery.services.tracking import Item
from delivery.vocabulary import OPEN_RETURN_STATUSES

# Responses (data/responses/returns.yml).
STATE = "utter_return_state_"  # + ReturnStatus value: a short phrase ("collected")
NOT_FOUND = "utter_return_not_found"
NOT_OPEN = "utter_return_not_open"
TOO_LATE = "utter_return_too_late"


def open_returns(session: Session, customer: Customer) -> list[Return]:
    return [
        r for r in returns_of_customer(session, customer.id) if r.status in OPEN_RETURN_STATUSES
    ]


def changeable(return_: Return, now: dt.datetime) -> bool:
    """Open, and the carrier's cut-off before the pickup has not passed."""
    cutoff = slot_cutoff(return_.carrier, current_slot(return_))
    return return_.status in OPEN_RETURN_STATUSES and now <= cutoff


def chosen_return(session: Session, talk: Conversation) -> tuple[Customer, Return | None] | None:
    """The verified customer and the return in the conversation (None if not theirs)."""
    customer = talk.customer(session)
    if customer is None:
        return None
    reference = talk.slot(SlotName.RETURN_REFERENCE)
    found = find_return(session, str(reference), customer_id=customer.id) if reference else None
    return customer, found


def described(talk: Conversation, return_: Return) -> dict[str, Any]:
    """The values a response about ``return_`` may use."""
    slot = current_slot(return_)
    items = tuple(Item(ln.order_line_id, ln.order_line.name, ln.quantity) for ln in return_.lines)
    return {
        "reference": return_.reference,
        "items": items_text(items),
        "order_number": return_.order.number,
        "carrier": return_.carrier.name,
        "day": wording.day(slot.date, talk.language),
        "window": wording.window(slot.start, slot.end, talk.language),
        "state": phrase(talk.domain, STATE + return_.status.value, talk.language),
    }


class ChoosesReturn(UsesDatabase):
    """A form's ``return_reference``: named, the only open one, or a button; then re-checked."""

    def still_possible(self, session: Session, talk: Conversation, return_: Return) -> bool:
        """Whether the change can still happen to ``return_`` (else the form ends)."""
        return True

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """All of them, unless there is nothing to ask about: no verified customer, no return
        that can change, or nothing it can change to (the final action then says why)."""
        talk = self.conversation(dispatcher, tracker, domain)

        def needed(session: Session) -> list[str]:
            chosen = chosen_return(session, talk)
            if chosen is None:
                return []
            customer, return_ = chosen
            if return_ is not None:
                possible = not changeable(return_, talk.now) or self.still_possible(
                    session, talk, return_
                )
                # Nothing to change it to: the form ends with the return chosen.
                return list(domain_slots) if possible else [SlotName.RETURN_REFERENCE]
            if talk.slot(SlotName.RETURN_REFERENCE):  # not theirs: validation says so
                return list(domain_slots)
            opened = open_returns(session, customer)
            return list(domain_slots) if any(changeable(r, talk.now) for r in opened) else []

        return await self.in_session(needed)

    async def extract_return_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        talk = self.conversation(dispatcher, tracker, domain)
        if talk.slot(SlotName.RETURN_REFERENCE):  # a button or a recognised reference
            return {}
        if talk.slot(SlotName.REQUESTED_SLOT) == SlotName.RETURN_REFERENCE:
            if not answers(tracker, SlotName.RETURN_REFERENCE):
                return {}
            typed = reference_in(tracker.latest_message)
            if typed:
                return {SlotName.RETURN_REFERENCE: typed}
            meant = plausible_answer(tracker) and not talk.latest_text.startswith("/")
            return {SlotName.RETURN_REFERENCE: None} if meant else {}
        named = journey_reference(tracker)
        if named:
            return {SlotName.RETURN_REFERENCE: named}

        def only_open(session: Session) -> str | None:
            customer = talk.customer(session)
            opened = [] if customer is None else open_returns(session, customer)
            single = len(opened) == 1 and changeable(opened[0], talk.now)
            return opened[0].reference if single else None

        reference = await self.in_session(only_open)
        return {SlotName.RETURN_REFERENCE: reference} if reference else {}

    async def validate_return_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not value:
            return {SlotName.RETURN_REFERENCE: None}
        talk = self.conversation(dispatcher, tracker, domain)
        reference = normalize_reference(str(value))

        def check(session: Session) -> str | None:
            customer = talk.customer(session)
            if customer is None:
                return None
            return_ = find_return(session, reference, customer_id=customer.id)
            if return_ is None:  # unknown, or someone else's: the same answer
                talk.say(NOT_FOUND, reference=reference)
                return None
            if return_.status not in OPEN_RETURN_STATUSES:
                talk.say(NOT_OPEN, **described(talk, return_))
                return None
            if not changeable(return_, talk.now):
                talk.say(TOO_LATE, buttons=[person_button(talk)], **described(talk, return_))
                return None
            return return_.reference

        return {SlotName.RETURN_REFERENCE: await self.in_session(check)}
