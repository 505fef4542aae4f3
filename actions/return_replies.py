"""Reading the customer's replies in the return journeys: is a message an answer to the form's
question at all, and which items, reason or return reference do its words name.

Pure functions of the tracker and the text (no database): the forms' extract methods use them
and then re-check every value against the verified customer's data.

A form runs on every message while it is active (Rasa's rule policy predicts it first), so a
form that took any text as its answer would swallow digressions: "how long do refunds take?"
must not become a return reason. A message is an answer only when it follows the form's
question, its intent is not small talk or another question, and no rule has answered it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker

from actions.names import JOURNEY_OF_INTENT, Entity, Intent, SlotName
from delivery.services.return_eligibility import LineEligibility
from delivery.services.returns import REFERENCE_ALPHABET, normalize_reference
from delivery.vocabulary import ReturnReason

# Intents that never answer a form's question: the form lets their rules answer them.
_DIGRESSIONS = frozenset(
    {
        Intent.GREET,
        Intent.AFFIRM,
        Intent.DENY,
        Intent.STOP,
        Intent.TALK_TO_PERSON,
        "goodbye",
        "thanks",
        "bot_challenge",
        "faq",
        "change_address",
    }
)
# Other journeys' intents: words that name nothing the form asked for are theirs, not the form's.
_OTHER_JOURNEYS = frozenset(JOURNEY_OF_INTENT) - {
    Intent.REQUEST_RETURN,
    Intent.REPORT_DAMAGED_ITEM,
    Intent.REPORT_MISSING_ITEM,
}
# Actions that answer a message themselves (the digression rules' answers).
_ANSWERING_PREFIX = "utter_"
_ANSWERING_ACTIONS = frozenset({"action_handle_misunderstanding"})

# What customers type for "all of them" and for the usual reasons: data for recognising an answer
# (English; other languages use the buttons), not messages.
_ALL_WORDS = re.compile(r"\b(?:all|both|everything|every\s+item|the\s+lot)\b", re.IGNORECASE)
_REASON_WORDS = tuple(
    (reason, re.compile(words, re.IGNORECASE))
    for reason, words in (
        (
            ReturnReason.DOES_NOT_FIT,
            r"\b(?:fit|fits|fitting|size|sizes|sized|small|big|large|tight|loose|short|long)\b",
        ),
        (
            ReturnReason.DAMAGED,
            r"\b(?:broken|broke|damaged?|cracked|torn|ripped|faulty|defective|scratched|dented"
            r"|stopped\s+working|doesn'?t\s+work|not\s+working)\b",
        ),
        (ReturnReason.WRONG_ITEM, r"\b(?:wrong|not\s+what\s+i\s+ordered|sent\s+me)\b"),
        (
            ReturnReason.NOT_AS_DESCRIBED,
            r"\b(?:described|description|picture|photos?|expected|looks?\s+different"
            r"|colou?r|quality)\b",
        ),
        (
            ReturnReason.CHANGED_MIND,
            r"\b(?:changed?\s+my\s+mind|don'?t\s+(?:want|need|like)|no\s+longer|not\s+needed"
            r"|cheaper|by\s+mistake|ordered\s+twice)\b",
        ),
    )
)

#: Shorter words ("a", "of", "my") do not tell items apart.
_MIN_WORD = 3

#: Longest comment kept with the return (a customer may paste a long story).
MAX_COMMENT = 500

#: A reference inside a message, as customers type it ("r-7kq2mx", "R 7KQ2MX"), not a piece of
#: an e-mail address or a longer code.
_REFERENCE_IN_TEXT = re.compile(
    rf"(?<![\w@.])R[-\s]?[{REFERENCE_ALPHABET}]{{6}}(?![\w@])", re.IGNORECASE
)

#: The action that starts a journey (its message may name the return).
START_JOURNEY = "action_start_journey"


# --- is the latest message an answer? -----------------------------------------------------------


def answers(tracker: Tracker, slot: str, opening_intents: frozenset[str] = frozenset()) -> bool:
    """Whether the customer's latest message is a reply to the question for ``slot`` (or opened
    the journey with one of ``opening_intents``): not a digression, and not answered by one."""
    intent = _latest_intent(tracker)
    if intent in _DIGRESSIONS:
        return False
    events = tracker.events
    user = next(
        (i for i in range(len(events) - 1, -1, -1) if events[i].get("event") == "user"), None
    )
    if user is None:
        return False
    for event in events[user + 1 :]:
        name = str(event.get("name") or "")
        answering = name.startswith(_ANSWERING_PREFIX) or name in _ANSWERING_ACTIONS
        if event.get("event") == "action" and answering:
            return False
    if intent in opening_intents:
        return True
    asked = next(
        (
            e.get("value")
            for e in reversed(events[:user])
            if e.get("event") == "slot" and e.get("name") == SlotName.REQUESTED_SLOT
        ),
        None,
    )
    return asked == slot


def plausible_answer(tracker: Tracker) -> bool:
    """Whether words that name nothing the form knows are still meant for it ("no idea")."""
    return _latest_intent(tracker) not in _DIGRESSIONS | _OTHER_JOURNEYS


def _latest_intent(tracker: Tracker) -> str | None:
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return str(name) if name else None


# --- what the words name ------------------------------------------------------------------------


def items_named(text: str, eligible: Sequence[LineEligibility]) -> list[str]:
    """The lines the customer's words name: "all", its place in the list ("2"), or words of its
    name that no other item shares ("the jumper" for "Blue jumper" beside "Blue scarf")."""
    if _ALL_WORDS.search(text):
        return [str(line.line_id) for line in eligible]
    reply = text.strip(" .!")
    if reply.isdigit():
        place = int(reply)
        return [str(eligible[place - 1].line_id)] if 1 <= place <= len(eligible) else []
    said = set(_words(text))
    names = {line.line_id: set(_words(line.name)) for line in eligible}
    return [
        str(line_id)
        for line_id, words in names.items()
        if said & words - set().union(*(w for other, w in names.items() if other != line_id))
    ]


def _words(text: str) -> list[str]:
    """The words of ``text`` that can tell items apart (not "a", "of", "my")."""
    return [word for word in re.findall(r"\w+", text.casefold()) if len(word) >= _MIN_WORD]


def reason_in(text: str) -> ReturnReason | None:
    """The usual reason the customer's words name, if any."""
    return next((reason for reason, words in _REASON_WORDS if words.search(text)), None)


def reason_comment(tracker: Tracker) -> str | None:
    """The customer's own words that gave the reason (not a button), to keep with the return."""
    events = tracker.events
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "slot" and event.get("name") == SlotName.RETURN_REASON:
            if not event.get("value"):
                return None
            # The message it came from; in a new session (slots carried over) there is none.
            marks = ("user", "session_started")
            source: dict[str, Any] = next(
                (e for e in reversed(events[:index]) if e.get("event") in marks), {}
            )
            text = str(source.get("text") or "").strip() if source.get("event") == "user" else ""
            return text[:MAX_COMMENT] if text[:1] not in ("", "/") else None
    return None


def reference_in(message: dict[str, Any]) -> str | None:
    """The return reference a message carries: its entity, else one in its text."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == Entity.RETURN_REFERENCE and entity.get("value"):
            return normalize_reference(str(entity["value"]))
    text = str(message.get("text") or "")
    found = None if text.startswith("/") else _REFERENCE_IN_TEXT.search(text)
    return normalize_reference(found.group(0)) if found else None


def journey_reference(tracker: Tracker) -> str | None:
    """The reference in the message that started the journey ("cancel return R-7KQ2MX"), which
    ``action_start_journey`` does not keep in a slot."""
    events = tracker.events
    start = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if events[i].get("event") == "action" and events[i].get("name") == START_JOURNEY
        ),
        None,
    )
    if start is None:
        return None
    opening = next((e for e in reversed(events[:start]) if e.get("event") == "user"), None)
    return reference_in(opening.get("parse_data") or opening) if opening else None
