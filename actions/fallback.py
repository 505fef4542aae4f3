"""Misunderstandings: ask to rephrase once, offer a person when it happens twice in a row."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.names import Intent, Response

MISUNDERSTOOD = frozenset({Intent.NLU_FALLBACK, Intent.OUT_OF_SCOPE})

#: This many misunderstood messages in a row and a person is offered.
OFFER_PERSON_AFTER = 2


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the customer's latest messages, counting back, were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in MISUNDERSTOOD:
            break
        count += 1
    return count


class ActionHandleMisunderstanding(Action):
    def name(self) -> str:
        return "action_handle_misunderstanding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if misunderstood_in_a_row(tracker) >= OFFER_PERSON_AFTER:
            dispatcher.utter_message(response=Response.OFFER_PERSON)
        elif (tracker.latest_message.get("intent") or {}).get("name") == Intent.OUT_OF_SCOPE:
            dispatcher.utter_message(response=Response.OUT_OF_SCOPE)
        else:
            dispatcher.utter_message(response=Response.PLEASE_REPHRASE)
        return []
