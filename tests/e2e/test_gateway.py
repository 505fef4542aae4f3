"""A whole conversation through the gateway: the widget's socket.io protocol in front, the real
Rasa server and action server behind it (demo showcase orders)."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
import socketio  # type: ignore[import-untyped]
from sqlalchemy import select

from bot.app import create_app
from bot.gateway_texts import GatewayText, gateway_text
from delivery.db.models import DeliveryState, TranscriptEntry, TranscriptSender
from delivery.db.session import make_engine, make_session_factory
from delivery.services.identity import linked_customer
from delivery.settings import Settings
from delivery.vocabulary import Channel
from tests.bot.servers import serve_asgi
from tests.support.assistant import Assistant

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

#: After a turn's first reply, the rest of it follows at once; this much quiet ends the turn.
TURN_QUIET_SECONDS = 1.5


def action_server_url(assistant: Assistant) -> str:
    """The action server the assistant fixture started (its endpoints file, beside its logs)."""
    url = getattr(assistant, "action_server_url", None)
    if isinstance(url, str):
        return url
    endpoints = Path(assistant.logs[0]).parent / "endpoints.yml"
    found = re.search(r'url: "(http://[^"]+)/webhook"', endpoints.read_text())
    assert found, endpoints.read_text()
    return found.group(1)


class Widget:
    """The customer's browser tab: a socket.io client speaking the widget's protocol."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "history"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def open(self, url: str) -> None:
        await self.client.connect(url, socketio_path="/socket.io/", transports=["websocket"])
        await self.client.emit("session_request", {"session_id": self.session_id})
        assert await self.expect("session_confirm", 30) == self.session_id

    async def expect(self, name: str, seconds: float) -> Any:
        got, data = await asyncio.wait_for(self.events.get(), seconds)
        assert got == name, (got, data)
        return data

    async def say(self, text: str) -> list[dict[str, Any]]:
        """Send one message; every bot_uttered of the bot's turn."""
        await self.client.emit(
            "user_uttered",
            {"message": text, "session_id": self.session_id, "customData": {"language": "en"}},
        )
        turn = [await self.expect("bot_uttered", 120)]
        while True:
            try:
                turn.append(await self.expect("bot_uttered", TURN_QUIET_SECONDS))
            except TimeoutError:
                return turn

    async def history(self) -> list[dict[str, Any]]:
        await self.client.emit("history_request", {"session_id": self.session_id})
        messages: list[dict[str, Any]] = (await self.expect("history", 30))["messages"]
        return messages

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


def text_of(turn: list[dict[str, Any]]) -> str:
    return "\n".join(str(event.get("text", "")) for event in turn)


def payloads(turn: list[dict[str, Any]]) -> list[str]:
    return [reply["payload"] for event in turn for reply in event.get("quick_replies") or []]


async def test_a_widget_conversation_through_the_gateway(assistant: Assistant) -> None:
    settings = Settings(
        DATABASE_URL=assistant.database_url,
        RASA_URL=assistant.rasa_url,
        RASA_TOKEN=assistant.token,
        ACTION_SERVER_URL=action_server_url(assistant),
        TELEGRAM_BOT_TOKEN=None,
        # A cold model may take a few seconds for its first turn: no "one moment" here.
        SLOW_REPLY_NOTICE_SECONDS=60,
        RASA_TIMEOUT_SECONDS=120,
    )
    session_id = f"e2e-{secrets.token_hex(8)}"
    sender = f"web-{session_id}"
    tab, reloaded = Widget(session_id), Widget(session_id)
    shown: list[str] = []

    async with serve_asgi(create_app(settings)) as url:
        try:
            await tab.open(url)

            async def say(text: str) -> list[dict[str, Any]]:
                turn = await tab.say(text)
                shown.append(f"> {text}\n{text_of(turn)}")
                return turn

            await say("hi")
            asked = text_of(await say("where is my order?"))
            assert "order number" in asked, shown
            assert "e-mail" in text_of(await say("100002")), shown
            status = await say("marco.rossi@example.com")
            assert "running late" in text_of(status), shown
            reschedule = '/reschedule_delivery{"order_number":"100002"}'
            assert reschedule in payloads(status), shown
            assert status[-1]["quick_replies"], "the buttons come with the turn's last message"

            # A payload nobody offered is answered by the gateway; Rasa never sees it.
            refused = await say('/inform{"slot_key":"2031-01-01T03:00-04:00"}')
            assert text_of(refused) == gateway_text(GatewayText.USE_BUTTONS, "en"), shown
            # Pressing the offered button reaches Rasa, which answers (with free slots, or why
            # the carrier's cut-off for changes has passed: that depends on the time of day).
            pressed = text_of(await say(reschedule))
            assert pressed.strip(), shown
            assert pressed != gateway_text(GatewayText.USE_BUTTONS, "en"), shown
            await tab.close()

            # The page is reloaded: a new socket, the same session id, the history shown.
            await reloaded.open(url)
            history = await reloaded.history()
        finally:
            await tab.close()
            await reloaded.close()

    said = [m["text"] for m in history if m["sender"] == "customer"]
    assert said == ["hi", "where is my order?", "100002", "marco.rossi@example.com", reschedule]
    bot_said = "\n".join(str(m["text"]) for m in history if m["sender"] == "bot")
    assert "running late" in bot_said
    offered = [b["payload"] for m in history for b in m["buttons"]]
    assert reschedule in offered
    assert all(m["at"].endswith("Z") for m in history)

    engine = make_engine(assistant.database_url)
    try:
        with make_session_factory(engine)() as session:
            customer = linked_customer(session, Channel.WEB, sender)
            assert customer is not None and customer.email == "marco.rossi@example.com"
            states = session.scalars(
                select(TranscriptEntry.delivery_state).where(
                    TranscriptEntry.conversation_id == sender,
                    TranscriptEntry.sender == TranscriptSender.CUSTOMER,
                )
            ).all()
            assert states == [DeliveryState.DELIVERED] * 5
    finally:
        engine.dispose()
    # Rasa's own record of the conversation: the refused payload never reached it.
    events = assistant.tracker(sender)["events"]
    user_texts = [e.get("text") for e in events if e.get("event") == "user"]
    assert user_texts == said
