"""Misunderstandings: rephrase once, a person takes over after two in a row."""

from __future__ import annotations

from actions.fallback import ActionHandleMisunderstanding
from actions.runtime import Runtime
from tests.actions.conftest import Chat, RunAction


async def test_the_first_misunderstanding_asks_to_rephrase(
    runtime: Runtime, run: RunAction
) -> None:
    chat = Chat().says("where is my order", "where_is_my_order").says("blorp", "nlu_fallback")
    reply = await run(ActionHandleMisunderstanding(runtime), chat)
    assert reply.responses == ["utter_please_rephrase"]


async def test_out_of_scope_says_what_the_assistant_does(runtime: Runtime, run: RunAction) -> None:
    reply = await run(
        ActionHandleMisunderstanding(runtime), Chat().says("weather?", "out_of_scope")
    )
    assert reply.responses == ["utter_out_of_scope"]


async def test_two_in_a_row_hand_over_to_a_person(runtime: Runtime, run: RunAction) -> None:
    chat = Chat().says("blorp", "nlu_fallback").says("what is 2+2", "out_of_scope")
    reply = await run(ActionHandleMisunderstanding(runtime), chat)
    assert reply.responses == ["utter_handoff_intro_misunderstood", "utter_handoff_next", None]
    assert reply.messages[-1]["custom"]["reason"] == "misunderstood"
    assert reply.events == [{"event": "pause", "timestamp": None}]
