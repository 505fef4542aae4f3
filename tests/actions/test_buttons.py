"""What a tap sends back, and the buttons every journey shares."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from actions.buttons import payload, person_button, slot_button
from actions.names import Entity, Intent
from delivery.services.slots import Slot
from tests.actions.conftest import Chat
from tests.actions.test_change_refusals import talk_for


def test_a_payload_is_an_intent_with_at_most_one_entity() -> None:
    assert payload(Intent.TALK_TO_PERSON) == "/talk_to_person"
    assert payload(Intent.INFORM, Entity.PICKUP_POINT, "GB-1") == '/inform{"pickup_point":"GB-1"}'
    # A value is JSON, whatever it holds: Rasa reads it back as it was.
    odd = payload(Intent.INFORM, Entity.RETURN_LINE, 'a"b')
    assert json.loads(odd.removeprefix("/inform")) == {"return_line": 'a"b'}


def test_the_person_and_slot_buttons(domain: dict[str, Any]) -> None:
    for language in ("en", "it", "xx"):
        talk = talk_for(Chat(slots={"language": language}), domain)
        assert person_button(talk) == {"title": "Talk to a person", "payload": "/talk_to_person"}
    slot = Slot(dt.date(2026, 3, 4), dt.time(9), dt.time(13))
    assert slot_button(slot, "en") == {
        "title": "Wed 4 Mar, 9:00–13:00",
        "payload": '/inform{"slot_key":"2026-03-04T09:00-13:00"}',
    }
