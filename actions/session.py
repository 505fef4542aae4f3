"""A new conversation session: remember the customer's language and name from the channel."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.names import SlotName

#: Languages the assistant has words for; anything else gets the default (English).
SUPPORTED_LANGUAGES = ("en", "it", "pl", "fi", "ar")

#: Keys under which channels pass the customer's name in message metadata.
_NAME_KEYS = ("customer_name", "first_name", "name")


def language_from(metadata: dict[str, Any]) -> str | None:
    """'it-IT', 'it_IT' or 'IT' -> 'it'; None for a language the assistant does not speak."""
    raw = metadata.get("language")
    if not isinstance(raw, str):
        return None
    code = raw.strip().replace("_", "-").split("-")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else None


def name_from(metadata: dict[str, Any]) -> str | None:
    """A display name offered by the channel (never used as proof of anything)."""
    for key in _NAME_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:60]
    return None


def profile_events(metadata: dict[str, Any]) -> list[EventType]:
    events: list[EventType] = []
    language = language_from(metadata)
    if language:
        events.append(SlotSet(SlotName.LANGUAGE, language))
    name = name_from(metadata)
    if name:
        events += [SlotSet(SlotName.CUSTOMER_NAME, name), SlotSet(SlotName.NAME_KNOWN, True)]
    return events


class ActionSessionStart(Action):
    """Start the session, carry the slots over, and take language and name from the metadata."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        carried = [
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and name != SlotName.REQUESTED_SLOT
        ]
        metadata = tracker.get_slot("session_started_metadata") or {}
        return [
            SessionStarted(),
            *carried,
            *profile_events(metadata if isinstance(metadata, dict) else {}),
            ActionExecuted("action_listen"),
        ]
