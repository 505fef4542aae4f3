"""The slot a customer chooses for a delivery or a return pickup: a key from a button, or a day
typed instead ("friday afternoon", "23/11", "tomorrow"). Shared by the delivery's new day
(:mod:`actions.reschedule`) and the return pickup's day (:mod:`actions.return_pickups`).

A key is user input like any other (anyone can type ``/inform{"slot_key": ...}``), so
:func:`chosen_slot` only reads it; the journeys check it against the slots they offer.

A typed day is read by :func:`~delivery.services.preferred_time.parse_preferred_time` in the
conversation's language and English, and
:func:`~delivery.services.preferred_time.matching_slots` keeps the offered slots that fit it. One
fitting slot is the answer, several are offered as the only buttons, and none is said so, with
other slots instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from actions.conversation import Conversation
from actions.names import SlotName
from actions.phrases import phrase
from delivery.services.part_of_day import PartOfDay
from delivery.services.preferred_time import PreferredTime, matching_slots, parse_preferred_time
from delivery.services.slots import Slot

#: + a PartOfDay value: "morning", a word inside both journeys' answers (data/responses/common.yml).
PART_OF_DAY = "utter_part_of_day_"


def chosen_slot(talk: Conversation, name: SlotName) -> Slot | None:
    """The slot whose key the ``name`` slot holds; None when empty or not a slot key."""
    try:
        return Slot.from_key(str(talk.slot(name) or ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class TypedTime:
    """A day and/or part of the day the customer typed, and the offered slots that fit it."""

    preferred: PreferredTime
    matches: list[Slot]

    @property
    def only_match(self) -> Slot | None:
        """The answer, when exactly one offered slot fits."""
        return self.matches[0] if len(self.matches) == 1 else None


def read_typed_time(talk: Conversation, slots: Sequence[Slot], today: dt.date) -> TypedTime | None:
    """The day the latest message asks for, read from ``today`` where the carrier is, and which
    of ``slots`` fit it; None if the text names no day or part of the day (or is a button's)."""
    text = talk.latest_text
    if not text or text.startswith("/"):
        return None
    preferred = parse_preferred_time(text, today=today, languages=(talk.language, "en"))
    if preferred is None:
        return None
    return TypedTime(preferred, matching_slots(slots, preferred))


def nearest_slots(slots: Sequence[Slot], preferred: PreferredTime, limit: int) -> list[Slot]:
    """The ``limit`` slots closest to what was asked for (the day first, then the part of the
    day), in time order; the first ones when no day was asked for."""
    if preferred.date is None:
        return list(slots[:limit])
    day = preferred.date
    part = preferred.part_of_day

    def farness(slot: Slot) -> tuple[int, bool, Slot]:
        return abs((slot.date - day).days), part is not None and not part.includes(slot), slot

    return sorted(sorted(slots, key=farness)[:limit])


def part_word(talk: Conversation, part: PartOfDay) -> str:
    """'afternoon', in the conversation's language."""
    return phrase(talk.domain, PART_OF_DAY + part.value, talk.language)
