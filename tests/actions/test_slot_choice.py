"""The slot a customer chooses: a key from a button, or a day typed instead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from actions.names import SlotName
from actions.slot_choice import chosen_slot, nearest_slots, part_word, read_typed_time
from delivery.services.part_of_day import PartOfDay
from delivery.services.preferred_time import PreferredTime
from delivery.services.slots import Slot
from tests.actions.conftest import Chat
from tests.actions.test_change_refusals import talk_for

# Monday 2 March 2026; slots from Wednesday to Friday, 9-13 and 13-18.
TODAY = dt.date(2026, 3, 2)
SLOTS = [
    Slot(dt.date(2026, 3, day), dt.time(start), dt.time(end))
    for day in (4, 5, 6)
    for start, end in ((9, 13), (13, 18))
]


def test_a_slot_key_is_read_and_anything_else_is_none(domain: dict[str, Any]) -> None:
    for value, expected in (
        (SLOTS[0].key, SLOTS[0]),
        ("not a slot", None),
        ("2026-03-04T13:00-09:00", None),
        (None, None),
    ):
        chat = Chat(slots={"language": "en", SlotName.DELIVERY_SLOT: value})
        assert chosen_slot(talk_for(chat, domain), SlotName.DELIVERY_SLOT) == expected


def test_a_typed_day_is_read_against_the_slots(domain: dict[str, Any]) -> None:
    def typed(text: str, language: str = "en") -> Any:
        talk = talk_for(Chat(slots={"language": language}).says(text), domain)
        return read_typed_time(talk, SLOTS, TODAY)

    afternoon = typed("thursday afternoon")
    assert afternoon.preferred == PreferredTime(dt.date(2026, 3, 5), PartOfDay.AFTERNOON)
    assert afternoon.only_match == SLOTS[3]
    thursday = typed("giovedì", "it")
    assert thursday.matches == SLOTS[2:4] and thursday.only_match is None
    assert typed("sunday").matches == []
    assert typed("whenever") is None
    assert typed(f'/inform{{"slot_key":"{SLOTS[0].key}"}}') is None  # a button, not a day


def test_the_nearest_slots_are_on_the_nearest_days_in_the_part_asked_for() -> None:
    saturday_morning = PreferredTime(dt.date(2026, 3, 7), PartOfDay.MORNING)
    assert nearest_slots(SLOTS, saturday_morning, 3) == [SLOTS[2], SLOTS[4], SLOTS[5]]
    assert nearest_slots(SLOTS, PreferredTime(part_of_day=PartOfDay.EVENING), 2) == SLOTS[:2]


def test_a_part_of_the_day_in_words(domain: dict[str, Any]) -> None:
    talk = talk_for(Chat(slots={"language": "fi"}), domain)
    assert part_word(talk, PartOfDay.AFTERNOON) == "afternoon"  # no Finnish variation yet
