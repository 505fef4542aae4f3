"""A Telegram chat handed to a person and back: the real python-telegram-bot application against
the Bot API stand-in, the real relay and handoff desk, the real Rasa and action server.

Grace asks for a person; Rasa's action queues the handoff and pauses the conversation. An agent
claims it (Grace hears who joined), replies (Grace reads it, signed), Grace answers (the agent's
console hears it, the bot stays silent, Rasa's tracker logs it), the agent hands back, and the
bot answers Grace's next message again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway_texts import GatewayText, gateway_text
from bot.handoff_desk import HandoffDesk
from bot.rasa_client import RasaClient
from delivery.db.session import make_engine, make_session_factory
from delivery.services import handoffs
from delivery.services.staff_accounts import create_staff_user
from delivery.services.staff_sessions import StaffIdentity
from delivery.vocabulary import HandoffReason, HandoffStatus, StaffRole
from tests.support.assistant import Assistant
from tests.support.telegram_standin import Call, TelegramStandin, TelegramUser
from tests.telegram.harness import polling_channel, real_relay

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

GRACE = TelegramUser(id=910077, first_name="Grace", language_code="en")
SENDER = f"tg-{GRACE.chat_id}"
RASA_TURN = 60.0


class Console:
    """What a staff console would be told."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.queue_changes = 0

    async def queue_changed(self) -> None:
        self.queue_changes += 1

    async def conversation_event(self, handoff_id: int, event: dict[str, Any]) -> None:
        self.events.append(event)


async def rasa_tracker(assistant: Assistant) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            f"{assistant.rasa_url}/conversations/{SENDER}/tracker",
            params={"token": assistant.token},
        )
    tracker: dict[str, Any] = response.json()
    return tracker


def texts(calls: list[Call]) -> str:
    return "\n".join(call.text or "" for call in calls)


async def test_a_telegram_chat_is_handed_to_a_person_and_back(
    assistant: Assistant, standin: TelegramStandin
) -> None:
    engine = make_engine(assistant.database_url)
    sessions: sessionmaker[Session] = make_session_factory(engine)
    with sessions.begin() as session:
        user = create_staff_user(
            session,
            username="tg-e2e-agent",
            display_name="Maria",
            password="a long enough password",
            role=StaffRole.AGENT,
            now=dt.datetime.now(dt.UTC),
        )
        maria = StaffIdentity(user.id, user.username, user.display_name, StaffRole.AGENT, "x")

    async def turn(said: int, quiet: float = 1.0) -> list[Call]:
        """Every message to Grace after the first ``said`` ones, once no more come."""
        sent = await standin.wait_for(
            "sendMessage", lambda c: c.chat_id == GRACE.chat_id, count=said + 1, within=RASA_TURN
        )
        while True:
            await asyncio.sleep(quiet)
            now = standin.calls_to("sendMessage", GRACE.chat_id)
            if len(now) == len(sent):
                return now[said:]
            sent = now

    def seen() -> int:
        return len(standin.calls_to("sendMessage", GRACE.chat_id))

    client = RasaClient(assistant.rasa_url, timeout=60, token=assistant.token)
    console = Console()
    try:
        async with (
            real_relay(
                assistant.rasa_url, sessions, token=assistant.token, rasa_timeout=60
            ) as relay,
            polling_channel(standin, relay, sessions),
        ):
            desk = HandoffDesk(sessions=sessions, rasa=client, relay=relay)
            desk.set_broadcast(console)

            await standin.say(GRACE, "I want to talk to a real person please")
            queued = texts(await turn(0))
            assert "in line" in queued, queued
            with sessions() as session:
                handoff = handoffs.open_handoff(session, SENDER)
            assert handoff is not None
            assert handoff.reason is HandoffReason.CUSTOMER_REQUEST
            assert console.queue_changes >= 1

            count = seen()
            await desk.claim(handoff.handoff_id, maria)
            await desk.reply(handoff.handoff_id, maria, "Hi Grace, Maria here. How can I help?")
            joined = texts(await turn(count))
            assert gateway_text(GatewayText.AGENT_JOINED, "en", name="Maria") in joined
            assert "Maria: Hi Grace, Maria here. How can I help?" in joined

            # Grace answers: the agent hears it, the bot says nothing, Rasa logs it.
            count = seen()
            await standin.say(GRACE, "my parcel arrived broken")
            async with asyncio.timeout(10):
                while not any(e.get("text") == "my parcel arrived broken" for e in console.events):  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            await asyncio.sleep(3)
            assert seen() == count, texts(standin.calls_to("sendMessage", GRACE.chat_id)[count:])
            tracker = await rasa_tracker(assistant)
            assert tracker["paused"] is True
            said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
            assert "my parcel arrived broken" in said

            # Handed back: Grace hears it, and the bot answers her next message.
            count = seen()
            view = await desk.hand_back(handoff.handoff_id, maria)
            assert view.status is HandoffStatus.RETURNED
            left = texts(await turn(count))
            assert gateway_text(GatewayText.AGENT_LEFT, "en", name="Maria") in left
            await desk.aclose()  # Rasa has heard the "resume"
            count = seen()
            await standin.say(GRACE, "where is my order?")
            answer = texts(await turn(count))
            assert "order number" in answer, answer
            tracker = await rasa_tracker(assistant)
            agent_lines = [
                e
                for e in tracker["events"]
                if e["event"] == "bot" and (e.get("metadata") or {}).get("agent")
            ]
            assert [e["text"] for e in agent_lines] == ["Hi Grace, Maria here. How can I help?"]
    finally:
        await client.aclose()
        engine.dispose()
