"""Buttons: what a tap sends back, and the buttons every journey shares.

A payload is what the customer "says" by tapping: an intent and at most one entity,
``/inform{"slot_key":"2026-03-04T09:00-13:00"}``. Rasa reads it without NLU, and anyone can type
one by hand, so every value that comes back is re-checked by the action that receives it.
Titles are data (a slot's day and window, a pickup point's name) or come from responses.
"""

from __future__ import annotations

import json

from actions import wording
from actions.conversation import Conversation
from actions.names import Entity, Intent, Response
from actions.phrases import phrase
from delivery.services.problems import CustomerOption
from delivery.services.slots import Slot

#: The "Talk to a person" title, shared with the order's problem options.
PERSON = f"{Response.OPTION_PREFIX}{CustomerOption.TALK_TO_PERSON.value}"


def payload(intent: str, entity: str | None = None, value: str = "") -> str:
    """``/talk_to_person``, or with an entity ``/inform{"pickup_point":"GB-LON-0042"}``."""
    if entity is None:
        return f"/{intent}"
    entities = json.dumps({str(entity): value}, separators=(",", ":"), ensure_ascii=False)
    return f"/{intent}{entities}"


def person_button(talk: Conversation) -> dict[str, str]:
    """'Talk to a person': wherever the assistant cannot help any further."""
    return {
        "title": phrase(talk.domain, PERSON, talk.language),
        "payload": payload(Intent.TALK_TO_PERSON),
    }


def slot_button(slot: Slot, language: str) -> dict[str, str]:
    """A delivery or pickup slot: 'Tue 3 Mar, 9:00–13:00'."""
    return {
        "title": wording.slot_label(slot, language),
        "payload": payload(Intent.INFORM, Entity.SLOT_KEY, slot.key),
    }
