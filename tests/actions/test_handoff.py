"""Handing over to a person: queued once, the customer told their place (or, after hours,
when a person replies), the gateway told by a custom payload, and Rasa paused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.handoff import ActionRequestHandoff
from actions.runtime import Runtime
from delivery.db.staff_models import Handoff
from delivery.vocabulary import HandoffReason, HandoffStatus
from tests.actions.conftest import Chat, RunAction

PAUSE = {"event": "pause", "timestamp": None}


def _handoffs(session: Session) -> list[Handoff]:
    return list(session.scalars(select(Handoff).order_by(Handoff.id)))


async def test_a_person_on_request_queues_once_and_pauses_the_assistant(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    chat = Chat().says("can I talk to a human", "talk_to_person")
    reply = await run(ActionRequestHandoff(runtime), chat)
    assert reply.responses == ["utter_handoff", "utter_handoff_next", None]
    assert reply.messages[1]["minutes"] == 5  # nothing measured yet: the configured default
    [handoff] = _handoffs(session)
    assert reply.messages[2]["custom"] == {
        "handoff": "queued",
        "handoff_id": handoff.id,
        "reason": "customer_request",
    }
    assert reply.events == [PAUSE]
    assert handoff.conversation_id == chat.sender_id
    assert handoff.status is HandoffStatus.WAITING

    # Asking again (a retry, an impatient customer) keeps the same place in the queue.
    again = await run(ActionRequestHandoff(runtime), chat.says("hello??", "talk_to_person"))
    assert again.responses == ["utter_handoff_next", None]
    assert len(_handoffs(session)) == 1


async def test_the_second_in_line_hears_their_place(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    await run(
        ActionRequestHandoff(runtime), Chat(sender_id="web-first").says("human", "talk_to_person")
    )
    reply = await run(
        ActionRequestHandoff(runtime), Chat(sender_id="web-second").says("agent", "talk_to_person")
    )
    queued = reply.messages[1]
    assert queued["response"] == "utter_handoff_queued"
    assert queued["position"] == 2
    assert queued["minutes"] == 10


async def test_after_hours_the_customer_hears_when_a_person_replies(
    session: Session, runtime: Runtime, run: RunAction, clock: list[dt.datetime]
) -> None:
    clock[0] = dt.datetime(2026, 3, 7, 12, 0, tzinfo=dt.UTC)  # a Saturday: staff are off
    reply = await run(ActionRequestHandoff(runtime), Chat().says("a person", "talk_to_person"))
    after_hours = reply.messages[1]
    assert after_hours["response"] == "utter_handoff_after_hours"
    # Monday 09:00 in Rome, the staff's timezone (the customer's own is unknown).
    assert after_hours["reply_by"] == "Monday 9 March 9:00"
    assert reply.events == [PAUSE]


async def test_the_gateways_upset_trigger_is_apologised_for(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    chat = Chat().says("", "EXTERNAL_handoff", entities={"handoff_reason": "upset"})
    reply = await run(ActionRequestHandoff(runtime), chat)
    assert reply.responses[0] == "utter_handoff_intro_upset"
    assert _handoffs(session)[0].reason is HandoffReason.UPSET


async def test_a_reason_in_a_customers_message_is_not_taken(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    chat = Chat().says("/talk_to_person", "talk_to_person", entities={"handoff_reason": "upset"})
    await run(ActionRequestHandoff(runtime), chat)
    assert _handoffs(session)[0].reason is HandoffReason.CUSTOMER_REQUEST
