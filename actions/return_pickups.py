"""The question "when should the carrier come?", shared by booking a return and moving one.

The carrier's free slots are offered as buttons; a typed day ("friday afternoon", "23/11") is read
against them (:mod:`actions.slot_choice`): one matching slot is taken, several are offered as the
only buttons, none is said so. A slot key that comes back from a button is re-checked against the
slots the verified customer can have.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions import wording
from actions.base import UsesDatabase
from actions.buttons import person_button, slot_button
from actions.conversation import Conversation
from actions.names import Entity, SlotName
from actions.phrases import phrase
from actions.return_replies import answers, plausible_answer
from actions.slot_choice import part_word, read_typed_time
from delivery.services.preferred_time import PreferredTime
from delivery.services.slots import Slot

# Responses (data/responses/returns.yml).
PICKUPS_THEN = "utter_return_pickups_then"  # the slots that match a typed day
NO_PICKUP_THEN = "utter_return_no_pickup_then"  # none match: the others
DAY_UNCLEAR = "utter_return_day_unclear"
ON_DAY = "utter_return_on_day"  # "on {day}", inside the two above
IN_PART_OF_DAY = "utter_return_in_part_of_day"  # "in the {part}", inside the two above
SLOT_UNAVAILABLE = "utter_return_slot_unavailable"
NO_SLOTS = "utter_return_no_pickup_slots"

#: How many slots are offered as buttons (a typed day may pick any free slot).
SLOTS_OFFERED = 8


@dataclass(frozen=True)
class PickupSlots:
    """The free slots the customer can choose from, and the carrier's today (for typed days)."""

    slots: list[Slot]
    today: dt.date


def slot_buttons(talk: Conversation, slots: Sequence[Slot]) -> list[dict[str, str]]:
    return [slot_button(slot, talk.language) for slot in slots[:SLOTS_OFFERED]]


def when_text(talk: Conversation, preferred: PreferredTime) -> str:
    """'on Friday 6 March in the afternoon': what the customer asked for, in the domain's words."""
    parts = []
    if preferred.date is not None:
        on_day = phrase(talk.domain, ON_DAY, talk.language)
        parts.append(on_day.replace("{day}", wording.day(preferred.date, talk.language)))
    if preferred.part_of_day is not None:
        in_part = phrase(talk.domain, IN_PART_OF_DAY, talk.language)
        parts.append(in_part.replace("{part}", part_word(talk, preferred.part_of_day)))
    return " ".join(part for part in parts if part)


def ask_for_pickup_slot(
    talk: Conversation,
    offer: PickupSlots,
    *,
    question: str,
    opening_intents: frozenset[str] = frozenset(),
    **values: Any,
) -> None:
    """Ask ``question`` with the free slots as buttons; after a typed day, offer what fits it."""
    if not offer.slots:
        talk.say(NO_SLOTS, buttons=[person_button(talk)], **values)
        return
    typed = answers(talk.tracker, SlotName.RETURN_PICKUP_SLOT, opening_intents) or answers(
        talk.tracker,
        SlotName.CHANGE_CONFIRMED,  # another day instead of a yes or no
    )
    read = read_typed_time(talk, offer.slots, offer.today) if typed else None
    if read is not None:
        response = PICKUPS_THEN if read.matches else NO_PICKUP_THEN
        buttons = slot_buttons(talk, read.matches or offer.slots)
        talk.say(response, buttons=buttons, when=when_text(talk, read.preferred), **values)
        return
    unclear = (
        answers(talk.tracker, SlotName.RETURN_PICKUP_SLOT)
        and not talk.latest_text.startswith("/")
        and talk.latest_intent not in opening_intents
        and plausible_answer(talk.tracker)
    )
    buttons = slot_buttons(talk, offer.slots)
    talk.say(DAY_UNCLEAR if unclear else question, buttons=buttons, **values)


class PickupSlotQuestion(UsesDatabase, ABC):
    """Fills ``return_pickup_slot`` of a form from a button or a typed day, and re-checks it."""

    #: Intents whose message may already say the day ("move my return pickup to friday").
    opening_intents: frozenset[str] = frozenset()

    @abstractmethod
    def pickup_slots(self, session: Session, talk: Conversation) -> PickupSlots | None:
        """The slots the verified customer may choose; None when not verified."""

    async def extract_return_pickup_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed day: when asked, in the journey's first message, or instead of a yes or no at
        the confirmation ("make it friday"), which changes the slot and asks again."""
        talk = self.conversation(dispatcher, tracker)
        if talk.entity(Entity.SLOT_KEY):  # a button: the slot mapping has it
            return {}
        requested = talk.slot(SlotName.REQUESTED_SLOT)
        asked = requested == SlotName.RETURN_PICKUP_SLOT
        if talk.slot(SlotName.RETURN_PICKUP_SLOT):
            correcting = requested == SlotName.CHANGE_CONFIRMED
            if not (correcting and answers(tracker, SlotName.CHANGE_CONFIRMED)):
                return {}
        elif not (asked and answers(tracker, SlotName.RETURN_PICKUP_SLOT)) and not (
            requested is None
            and answers(tracker, SlotName.RETURN_PICKUP_SLOT, self.opening_intents)
        ):
            return {}
        offer = await self.in_session(lambda session: self.pickup_slots(session, talk))
        typed = None if offer is None else read_typed_time(talk, offer.slots, offer.today)
        if offer is None or typed is None:
            # A reply that names no day: ask again (the question says so) instead of letting
            # another rule take it.
            meant = asked and plausible_answer(tracker) and not talk.latest_text.startswith("/")
            return {SlotName.RETURN_PICKUP_SLOT: None} if meant and offer is not None else {}
        if typed.only_match is not None:
            return {SlotName.RETURN_PICKUP_SLOT: typed.only_match.key}
        # Several fit (the question offers them) or none does (the question says so); in the
        # journey's first message, the question simply comes.
        return {SlotName.RETURN_PICKUP_SLOT: None} if requested is not None else {}

    async def validate_return_pickup_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not value:
            return {SlotName.RETURN_PICKUP_SLOT: None}
        talk = self.conversation(dispatcher, tracker)
        try:
            slot: Slot | None = Slot.from_key(str(value))
        except ValueError:
            slot = None
        offer = await self.in_session(lambda session: self.pickup_slots(session, talk))
        if offer is None:
            return {SlotName.RETURN_PICKUP_SLOT: None}
        if slot is None or slot not in offer.slots:  # made up, full meanwhile, or not theirs
            talk.say(SLOT_UNAVAILABLE)
            return {SlotName.RETURN_PICKUP_SLOT: None}
        return {SlotName.RETURN_PICKUP_SLOT: slot.key}
