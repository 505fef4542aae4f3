"""The handoff desk and the relay's handoff routing, against a stand-in Rasa (its REST channel
and HTTP API) and the test database: customer messages reach agents while handed off, agents'
replies reach the customer and Rasa's tracker, hand back resumes Rasa, upset customers are
handed over after Rasa's answer."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway_texts import GatewayText, gateway_text
from bot.handoff_desk import RESUME_EVENTS, HandoffDesk
from bot.rasa_client import RasaClient
from bot.relay import Relay
from delivery.db.models import TranscriptEntry, TranscriptSender
from delivery.services import handoffs
from delivery.services.staff_accounts import create_staff_user
from delivery.services.staff_sessions import StaffIdentity
from delivery.settings import Settings
from delivery.vocabulary import Channel, HandoffOutcome, HandoffReason, HandoffStatus, StaffRole
from tests.bot.inbox import Inbox
from tests.bot.rasa_standin import TOKEN, RasaStandIn, rasa_standin
from tests.bot.test_relay import FAST, message

WEB = "web-handoffdesk1"
TELEGRAM = "tg-4242"
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@dataclass
class Consoles:
    """A StaffBroadcast that remembers what the consoles were told."""

    queue_changes: int = 0
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    async def queue_changed(self) -> None:
        self.queue_changes += 1

    async def conversation_event(self, handoff_id: int, event: dict[str, Any]) -> None:
        self.events.append((handoff_id, event))


@dataclass
class Desk:
    relay: Relay
    desk: HandoffDesk
    consoles: Consoles
    inboxes: dict[str, Inbox]
    rasa: RasaStandIn


@asynccontextmanager
async def desk_on(rasa: RasaStandIn, sessions: sessionmaker[Session]) -> AsyncIterator[Desk]:
    config = Settings(RASA_TIMEOUT_SECONDS=5, SLOW_REPLY_NOTICE_SECONDS=3)
    client = RasaClient(rasa.url, timeout=5, token=TOKEN, action_server_url=rasa.url)
    relay = Relay(sessions=sessions, settings=config, rasa=client, backoff=FAST, clock=lambda: NOW)
    inboxes: dict[str, Inbox] = {}

    def deliver_to(sender: str) -> Inbox:
        return inboxes.setdefault(sender, Inbox())

    relay.register_channel(Channel.WEB, deliver_to)
    relay.register_channel(Channel.TELEGRAM, deliver_to)
    desk = HandoffDesk(sessions=sessions, rasa=client, relay=relay, clock=lambda: NOW)
    consoles = Consoles()
    desk.set_broadcast(consoles)
    try:
        yield Desk(relay, desk, consoles, inboxes, rasa)
    finally:
        await desk.aclose()
        await relay.aclose()
        await client.aclose()


def agent(sessions: sessionmaker[Session], username: str = "maria") -> StaffIdentity:
    with sessions.begin() as session:
        user = create_staff_user(
            session,
            username=username,
            display_name=username.capitalize(),
            password="a long enough password",
            role=StaffRole.AGENT,
            now=NOW,
        )
        return StaffIdentity(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=StaffRole.AGENT,
            csrf_token="unused",
        )


def queued(sessions: sessionmaker[Session], sender: str = WEB) -> int:
    """What action_request_handoff does in the database."""
    channel = Channel.TELEGRAM if sender.startswith("tg-") else Channel.WEB
    with sessions.begin() as session:
        ticket = handoffs.request_handoff(
            session,
            conversation_id=sender,
            channel=channel,
            reason=HandoffReason.CUSTOMER_REQUEST,
            customer_id=None,
            now=NOW,
        )
    return ticket.handoff_id


async def appended(rasa: RasaStandIn, sender: str, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(10):
        while len(rasa.appended.get(sender, [])) < count:  # noqa: ASYNC110 (the desk tells Rasa in the background)
            await asyncio.sleep(0.02)
    return rasa.appended[sender]


def transcript(sessions: sessionmaker[Session], sender: str) -> list[TranscriptEntry]:
    with sessions() as session:
        return list(
            session.scalars(
                select(TranscriptEntry)
                .where(TranscriptEntry.conversation_id == sender)
                .order_by(TranscriptEntry.id)
            )
        )


def handoff_reply(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Rasa's answer when its action hands over: words and the custom payload."""
    if body["message"] == "a person please":
        return [
            {"recipient_id": body["sender"], "text": "You're next in line."},
            {"recipient_id": body["sender"], "custom": {"handoff": "queued", "handoff_id": 1}},
        ]
    return []  # paused: Rasa logs the message and answers nothing


async def test_a_handoff_from_rasa_reaches_the_consoles(sessions: sessionmaker[Session]) -> None:
    async with rasa_standin(reply=handoff_reply) as rasa, desk_on(rasa, sessions) as d:
        queued(sessions)
        await d.relay.handle(message("a person please", WEB), d.inboxes.setdefault(WEB, Inbox()))
        assert d.consoles.queue_changes == 1


async def test_while_handed_off_customer_messages_go_to_the_agents_and_rasa_only_logs(
    sessions: sessionmaker[Session],
) -> None:
    async with rasa_standin(reply=handoff_reply) as rasa, desk_on(rasa, sessions) as d:
        handoff_id = queued(sessions)
        inbox = d.inboxes.setdefault(WEB, Inbox())
        await d.relay.handle(message("are you there?", WEB), inbox)
        assert d.consoles.events == [
            (handoff_id, {"type": "message", "sender": "customer", "text": "are you there?",
                          "at": "2026-03-02T10:00:00Z"}),
        ]  # fmt: skip
        assert rasa.texts() == ["are you there?"]  # logged in Rasa's tracker
        assert inbox.messages == []


async def test_claim_reply_and_hand_back_on_the_widget(sessions: sessionmaker[Session]) -> None:
    async with rasa_standin(reply=handoff_reply) as rasa, desk_on(rasa, sessions) as d:
        handoff_id = queued(sessions)
        maria = agent(sessions)
        inbox = d.inboxes.setdefault(WEB, Inbox())

        view = await d.desk.claim(handoff_id, maria)
        assert view.status is HandoffStatus.ACTIVE
        await d.desk.reply(handoff_id, maria, "Hi, I'm Maria. Let me look.")
        await d.desk.hand_back(handoff_id, maria)

        customs = [m.custom for m in inbox.messages if m.custom]
        assert customs == [
            {"handoff": "agent_joined", "agent": "Maria"},
            {"handoff": "agent_left", "agent": "Maria"},
        ]
        replies = [m for m in inbox.messages if m.text]
        assert [(m.text, m.agent) for m in replies] == [("Hi, I'm Maria. Let me look.", "Maria")]
        events = await appended(rasa, WEB, 3)
        assert events == [
            {"event": "bot", "text": "Hi, I'm Maria. Let me look.", "metadata": {"agent": "Maria"}},
            {"event": "resume"},
            {"event": "action", "name": "action_listen"},
        ]
        senders = [(e.sender, e.text) for e in transcript(sessions, WEB)]
        assert (TranscriptSender.AGENT, "Hi, I'm Maria. Let me look.") in senders
        statuses = [e["status"] for _, e in d.consoles.events if e["type"] == "status"]
        assert statuses == ["active", "returned"]

        # Back with the bot: no handoff is open, the next message is Rasa's to answer.
        with sessions() as session:
            assert handoffs.open_handoff(session, WEB) is None


async def test_telegram_hears_the_agent_in_words(sessions: sessionmaker[Session]) -> None:
    async with rasa_standin(reply=handoff_reply) as rasa, desk_on(rasa, sessions) as d:
        handoff_id = queued(sessions, TELEGRAM)
        maria = agent(sessions)
        inbox = d.inboxes.setdefault(TELEGRAM, Inbox())
        await d.desk.claim(handoff_id, maria)
        await d.desk.close(handoff_id, maria, HandoffOutcome.RESOLVED)
        assert inbox.texts() == [
            gateway_text(GatewayText.AGENT_JOINED, name="Maria"),
            gateway_text(GatewayText.AGENT_LEFT, name="Maria"),
        ]
        assert await appended(rasa, TELEGRAM, 2) == RESUME_EVENTS


async def test_a_second_agent_cannot_claim_or_reply(sessions: sessionmaker[Session]) -> None:
    async with rasa_standin() as rasa, desk_on(rasa, sessions) as d:
        handoff_id = queued(sessions)
        maria, luca = agent(sessions, "maria"), agent(sessions, "luca")
        await d.desk.claim(handoff_id, maria)
        with pytest.raises(handoffs.HandoffAlreadyClaimed):
            await d.desk.claim(handoff_id, luca)
        with pytest.raises(handoffs.HandoffNotYours):
            await d.desk.reply(handoff_id, luca, "hello")
        assert [m.custom for m in d.inboxes[WEB].messages] == [
            {"handoff": "agent_joined", "agent": "Maria"}
        ]


async def test_an_empty_or_huge_reply_is_refused(sessions: sessionmaker[Session]) -> None:
    async with rasa_standin() as rasa, desk_on(rasa, sessions) as d:
        handoff_id = queued(sessions)
        maria = agent(sessions)
        await d.desk.claim(handoff_id, maria)
        for text in ("   ", "x" * 2001):
            with pytest.raises(ValueError):
                await d.desk.reply(handoff_id, maria, text)


async def test_rasa_down_does_not_keep_the_reply_from_the_customer(
    sessions: sessionmaker[Session],
) -> None:
    async with rasa_standin() as rasa, desk_on(rasa, sessions) as d:
        handoff_id = queued(sessions)
        maria = agent(sessions)
        await d.desk.claim(handoff_id, maria)
        rasa.mode = "fail"
        await d.desk.reply(handoff_id, maria, "Still here")
        assert "Still here" in d.inboxes[WEB].texts()
        rasa.mode = "answer"  # the desk retries in the background
        assert (await appended(rasa, WEB, 1))[0]["text"] == "Still here"


async def test_an_upset_customer_is_handed_over_after_rasas_answer(
    sessions: sessionmaker[Session],
) -> None:
    async with rasa_standin() as rasa, desk_on(rasa, sessions) as d:
        inbox = d.inboxes.setdefault(WEB, Inbox())
        await d.relay.handle(message("this is f***ing ridiculous, where is my parcel", WEB), inbox)
        assert rasa.triggered == [(WEB, "EXTERNAL_handoff", {"handoff_reason": "upset"})]
        assert inbox.texts() == [
            "you said: this is f***ing ridiculous, where is my parcel",
            "triggered EXTERNAL_handoff",
        ]


async def test_a_calm_customer_is_not_handed_over(sessions: sessionmaker[Session]) -> None:
    async with rasa_standin() as rasa, desk_on(rasa, sessions) as d:
        await d.relay.handle(message("my parcel is late, where is it?", WEB), Inbox())
        assert rasa.triggered == []


async def test_an_upset_customer_already_handed_over_is_not_queued_again(
    sessions: sessionmaker[Session],
) -> None:
    async with rasa_standin(reply=handoff_reply) as rasa, desk_on(rasa, sessions) as d:
        queued(sessions)
        await d.relay.handle(message("THIS IS RIDICULOUS!!! useless", WEB), Inbox())
        assert rasa.triggered == []
