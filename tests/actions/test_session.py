"""A new session takes the customer's language and name from the channel's metadata."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart, language_from, name_from


@pytest.mark.parametrize(
    ("metadata", "language"),
    [
        ({"language": "it-IT"}, "it"),
        ({"language": "pl_PL"}, "pl"),
        ({"language": "AR"}, "ar"),
        ({"language": "de"}, None),
        ({"language": 42}, None),
        ({}, None),
    ],
)
def test_the_language_is_the_channel_s_when_the_assistant_speaks_it(
    metadata: dict[str, Any], language: str | None
) -> None:
    assert language_from(metadata) == language


def test_the_name_comes_from_any_of_the_channels_keys() -> None:
    assert name_from({"first_name": " Ada "}) == "Ada"
    assert name_from({"customer_name": "Grace"}) == "Grace"
    assert name_from({"name": ""}) is None
    assert name_from({}) is None


async def test_the_session_starts_with_slots_carried_over_and_the_metadata_applied() -> None:
    tracker = Tracker(
        sender_id="tg-1",
        slots={
            "language": "en",
            "order_number": "100001",
            "requested_slot": "proof",
            "session_started_metadata": {"language": "fi", "first_name": "Aino"},
        },
        latest_message={},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, {})
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = [(e["name"], e["value"]) for e in events if e["event"] == "slot"]
    assert ("order_number", "100001") in slots
    assert ("requested_slot", "proof") not in slots
    assert slots[-3:] == [("language", "fi"), ("customer_name", "Aino"), ("name_known", True)]
