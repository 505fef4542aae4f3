"""Misunderstandings: ask to rephrase once; hand over to a person when it happens twice in a row."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from sqlalchemy.orm import Session

from actions.base import DeliveryAction
from actions.conversation import Conversation
from actions.handoff import hand_over
from actions.names import Intent, Response
from delivery.vocabulary import HandoffReason

MISUNDERSTOOD = frozenset({Intent.NLU_FALLBACK, Intent.OUT_OF_SCOPE})

#: This many misunderstood messages in a row and a person takes over.
HAND_OVER_AFTER = 2


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


class ActionHandleMisunderstanding(DeliveryAction):
    def name(self) -> str:
        return "action_handle_misunderstanding"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        if misunderstood_in_a_row(talk.tracker) >= HAND_OVER_AFTER:
            return hand_over(talk, session, self.runtime.settings, HandoffReason.MISUNDERSTOOD)
        if talk.latest_intent == Intent.OUT_OF_SCOPE:
            talk.say(Response.OUT_OF_SCOPE)
        else:
            talk.say(Response.PLEASE_REPHRASE)
        return []
