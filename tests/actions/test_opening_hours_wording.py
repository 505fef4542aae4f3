"""A pickup point's opening hours in one line, in the conversation's language."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import Conversation
from actions.opening_hours_wording import hours_text
from delivery.services.opening_hours import DAYS, parse_hours
from tests.actions.conftest import Chat
from tests.factories import NOW


def _talk(language: str, domain: dict[str, Any]) -> Conversation:
    chat = Chat(slots={"language": language})
    return Conversation(
        tracker=chat.tracker(), dispatcher=CollectingDispatcher(), now=NOW, domain=domain
    )


def test_opening_hours_group_days_with_the_same_hours(domain: dict[str, Any]) -> None:
    hours = parse_hours(
        {
            "mon": [["08:00", "12:30"], ["14:00", "19:00"]],
            "tue": [["08:00", "12:30"], ["14:00", "19:00"]],
            "wed": [["08:00", "12:30"], ["14:00", "19:00"]],
            "thu": [],
            "fri": [["08:00", "19:00"]],
            "sat": [["09:00", "13:00"]],
            "sun": [["09:00", "13:00"]],
        }
    )
    assert (
        hours_text(_talk("en", domain), hours)
        == "Mon–Wed 8:00–12:30, 14:00–19:00, Fri 8:00–19:00, Sat–Sun 9:00–13:00"
    )
    assert hours_text(_talk("it", domain), hours).startswith("lun–mer 8:00–12:30")
    assert hours_text(_talk("xx", domain), hours).startswith("Mon–Wed")
    late = parse_hours({"fri": [["18:00", "24:00"]]})
    assert hours_text(_talk("fi", domain), late) == "pe 18.00–0.00"


def test_a_point_never_open_has_no_hours(domain: dict[str, Any]) -> None:
    assert hours_text(_talk("en", domain), parse_hours({})) == ""


def test_a_point_open_round_the_clock_is_said_so(domain: dict[str, Any]) -> None:
    always = parse_hours({day: [["00:00", "24:00"]] for day in DAYS})
    assert hours_text(_talk("en", domain), always) == "open 24/7"
