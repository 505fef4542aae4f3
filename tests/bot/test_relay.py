"""The relay against a stand-in Rasa on loopback that answers, fails, hangs or is slow, and the
test database (SQLite and PostgreSQL): guards, transcript, order, outages, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway_texts import GatewayText, gateway_text
from bot.rasa_client import RasaClient
from bot.relay import Backoff, Button, Incoming, Outgoing, Relay, outgoing_from_rasa
from delivery.db.models import DeliveryState, TranscriptEntry, TranscriptSender
from delivery.settings import Settings
from delivery.vocabulary import Channel
from tests.bot.inbox import Inbox
from tests.bot.rasa_standin import RasaStandIn, rasa_standin

SENDER = "web-relaytest01"
FAST = Backoff(first=0.05, factor=2, longest=0.2)
ONE_MOMENT = gateway_text(GatewayText.ONE_MOMENT)


def message(
    text: str | None, sender: str = SENDER, connection: str = "sid-1", **meta: Any
) -> Incoming:
    channel = Channel.TELEGRAM if sender.startswith("tg-") else Channel.WEB
    return Incoming(channel, sender, text, dict(meta), connection)


@asynccontextmanager
async def relay_on(
    rasa: RasaStandIn, sessions: sessionmaker[Session], **settings: Any
) -> AsyncIterator[Relay]:
    values: dict[str, Any] = {"RASA_TIMEOUT_SECONDS": 5, "SLOW_REPLY_NOTICE_SECONDS": 3}
    values.update(settings)
    config = Settings(**values)
    client = RasaClient(rasa.url, timeout=config.rasa_timeout_seconds, action_server_url=rasa.url)
    relay = Relay(sessions=sessions, settings=config, rasa=client, backoff=FAST)
    try:
        yield relay
    finally:
        await relay.aclose()
        await client.aclose()


def entries(sessions: sessionmaker[Session], sender: str = SENDER) -> list[TranscriptEntry]:
    with sessions() as session:
        return list(
            session.scalars(
                select(TranscriptEntry)
                .where(TranscriptEntry.conversation_id == sender)
                .order_by(TranscriptEntry.id)
            )
        )


def states(sessions: sessionmaker[Session]) -> list[DeliveryState | None]:
    return [e.delivery_state for e in entries(sessions) if e.sender is TranscriptSender.CUSTOMER]


def rich_reply(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"recipient_id": body["sender"], "text": "Pick one", "buttons": [
            {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
        ]},
        {"recipient_id": body["sender"], "image": "https://shop.example/parcel.png"},
        {"recipient_id": body["sender"], "custom": {"handoff": "agent_joined"}},
    ]  # fmt: skip


async def test_a_message_goes_to_rasa_and_its_replies_come_back(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with rasa_standin(reply=rich_reply) as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message(" hello ", language="it", customer_name="Ada"), inbox)
    assert rasa.received == [
        {
            "sender": SENDER,
            "message": "hello",
            "input_channel": "socketio",
            "metadata": {"language": "it", "customer_name": "Ada", "channel": "web"},
        }
    ]
    assert inbox.messages == [
        Outgoing(text="Pick one", buttons=(Button("Yes", "/affirm"), Button("No", "/deny"))),
        Outgoing(image="https://shop.example/parcel.png"),
        Outgoing(custom={"handoff": "agent_joined"}),
    ]
    stored = entries(sessions)
    assert [(e.sender, e.text, e.delivery_state) for e in stored] == [
        (TranscriptSender.CUSTOMER, "hello", DeliveryState.DELIVERED),
        (TranscriptSender.BOT, "Pick one", None),
        (TranscriptSender.BOT, None, None),
        (TranscriptSender.BOT, None, None),
    ]
    assert stored[0].message_metadata == {
        "language": "it",
        "customer_name": "Ada",
        "channel": "web",
    }
    assert stored[0].delivered_at is not None
    assert stored[1].buttons == [
        {"title": "Yes", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    assert stored[2].image_url == "https://shop.example/parcel.png"
    assert stored[3].custom == {"handoff": "agent_joined"}


async def test_telegram_messages_reach_rasa_as_telegram(sessions: sessionmaker[Session]) -> None:
    inbox = Inbox()
    async with rasa_standin() as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message("hi", sender="tg-42", connection="42"), inbox)
    assert rasa.received[0]["input_channel"] == "telegram"
    assert rasa.received[0]["metadata"] == {"channel": "telegram"}
    assert inbox.texts() == ["you said: hi"]


async def test_nothing_to_say_is_ignored(sessions: sessionmaker[Session]) -> None:
    inbox = Inbox()
    async with rasa_standin() as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message(None), inbox)
        await relay.handle(message("   "), inbox)
    assert rasa.received == []
    assert inbox.messages == []
    assert entries(sessions) == []


async def test_a_message_over_the_size_limit_is_refused_politely(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with rasa_standin() as rasa, relay_on(rasa, sessions, MESSAGE_MAX_CHARS=10) as relay:
        await relay.handle(message("x" * 11, language="pl"), inbox)
        await relay.handle(message("y" * 10), inbox)
    assert inbox.texts()[0] == gateway_text(GatewayText.TOO_LONG, "pl", limit=10)
    assert "10" in str(inbox.texts()[0])
    assert rasa.texts() == ["y" * 10]
    assert [e.text for e in entries(sessions)] == ["y" * 10, "you said: " + "y" * 10]


async def test_a_connection_over_the_rate_limit_is_told_once_to_slow_down(
    sessions: sessionmaker[Session],
) -> None:
    inbox, other = Inbox(), Inbox()
    limits = {"RATE_LIMIT_MESSAGES": 2, "RATE_LIMIT_SECONDS": 60}
    async with rasa_standin() as rasa, relay_on(rasa, sessions, **limits) as relay:
        for n in range(4):
            await relay.handle(message(f"m{n}"), inbox)
        await relay.handle(message("from another tab", connection="sid-2"), other)
    assert inbox.texts() == ["you said: m0", "you said: m1", gateway_text(GatewayText.SLOW_DOWN)]
    assert other.texts() == ["you said: from another tab"]
    assert rasa.texts() == ["m0", "m1", "from another tab"]


async def test_a_typed_intent_passes_only_as_a_button_of_the_latest_turn(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()

    def reply(body: dict[str, Any]) -> list[dict[str, Any]]:
        if body["message"] == "choices please":
            return rich_reply(body)
        return [{"text": f"ok: {body['message']}"}]

    use_buttons = gateway_text(GatewayText.USE_BUTTONS, "fi")
    async with rasa_standin(reply=reply) as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message('/where_is_my_order{"order_number":"1"}', language="fi"), inbox)
        assert inbox.texts() == [use_buttons]
        await relay.handle(message("choices please"), inbox)
        await relay.handle(message("/maybe", language="fi"), inbox)  # not offered
        await relay.handle(message("/affirm"), inbox)  # offered
        await relay.handle(message("/deny", language="fi"), inbox)  # offered, but a turn ago
    assert rasa.texts() == ["choices please", "/affirm"]
    assert inbox.texts()[-3:] == [use_buttons, "ok: /affirm", use_buttons]


async def test_the_buttons_of_another_conversation_do_not_count(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with rasa_standin(reply=rich_reply) as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message("choices please", sender="web-someoneelse"), inbox)
        await relay.handle(message("/affirm"), inbox)
    assert rasa.texts() == ["choices please"]


async def test_while_rasa_is_down_messages_wait_and_go_in_order_once_it_is_back(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with rasa_standin(mode="fail") as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message("first", language="ar"), inbox)
        await relay.handle(message("second"), inbox)
        assert inbox.texts() == [gateway_text(GatewayText.ONE_MOMENT, "ar")]  # once
        assert states(sessions) == [DeliveryState.PENDING, DeliveryState.PENDING]
        rasa.mode = "answer"
        texts = await inbox.wait_for(3)
    assert texts[1:] == ["you said: first", "you said: second"]
    assert rasa.texts() == ["first", "second"]
    assert states(sessions) == [DeliveryState.DELIVERED, DeliveryState.DELIVERED]


async def test_a_slow_rasa_gets_one_moment_then_the_answer(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with (
        rasa_standin(delay=0.6) as rasa,
        relay_on(rasa, sessions, SLOW_REPLY_NOTICE_SECONDS=0.2) as relay,
    ):
        await relay.handle(message("hello"), inbox)
        assert inbox.texts() == [ONE_MOMENT]  # handle returned: the customer heard something
        assert await inbox.wait_for(2) == [ONE_MOMENT, "you said: hello"]
    assert rasa.texts() == ["hello"]


async def test_a_hanging_rasa_times_out_and_is_retried(sessions: sessionmaker[Session]) -> None:
    inbox = Inbox()
    async with (
        rasa_standin(mode="hang") as rasa,
        relay_on(rasa, sessions, RASA_TIMEOUT_SECONDS=0.3, SLOW_REPLY_NOTICE_SECONDS=1) as relay,
    ):
        await relay.handle(message("anyone there?"), inbox)
        assert inbox.texts() == [ONE_MOMENT]
        rasa.mode = "answer"
        assert await inbox.wait_for(2) == [ONE_MOMENT, "you said: anyone there?"]


async def test_the_action_server_down_counts_as_rasa_down(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with rasa_standin(actions_up=False) as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message("where is my order"), inbox)
        assert inbox.texts() == [ONE_MOMENT]
        assert states(sessions) == [DeliveryState.PENDING]
        rasa.actions_up = True
        assert await inbox.wait_for(2) == [ONE_MOMENT, "you said: where is my order"]
    # Rasa logged the first try too: the price of not losing the message.
    assert rasa.texts()[-1] == "where is my order"
    assert states(sessions) == [DeliveryState.DELIVERED]


async def test_an_empty_answer_with_the_action_server_up_is_an_answer(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with rasa_standin(reply=lambda body: []) as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message("..."), inbox)
    assert inbox.messages == []
    assert states(sessions) == [DeliveryState.DELIVERED]


async def test_a_message_rasa_refuses_is_marked_failed_and_the_next_goes_on(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    async with rasa_standin(mode="refuse") as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message("bad"), inbox)
        rasa.mode = "answer"
        await relay.handle(message("good"), inbox)
    assert inbox.texts() == ["you said: good"]
    assert states(sessions) == [DeliveryState.FAILED, DeliveryState.DELIVERED]


async def test_one_call_at_a_time_per_conversation_in_the_order_received(
    sessions: sessionmaker[Session],
) -> None:
    inbox, elsewhere = Inbox(), Inbox()
    async with rasa_standin(delay=0.05) as rasa, relay_on(rasa, sessions) as relay:
        await asyncio.gather(
            *(relay.handle(message(f"m{n}", connection=f"tab-{n}"), inbox) for n in range(6)),
            relay.handle(message("other", sender="web-otherconvo1"), elsewhere),
        )
    assert [t for t in rasa.texts() if t != "other"] == [f"m{n}" for n in range(6)]
    assert inbox.texts() == [f"you said: m{n}" for n in range(6)]
    assert rasa.most_in_flight == 1


async def test_a_channel_that_fails_to_deliver_does_not_stop_the_conversation(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()

    async def broken(messages: Sequence[Outgoing]) -> None:
        raise ConnectionError("socket gone")

    async with rasa_standin() as rasa, relay_on(rasa, sessions) as relay:
        await relay.handle(message("one"), broken)
        await relay.handle(message("two"), inbox)
    assert inbox.texts() == ["you said: two"]
    assert states(sessions) == [DeliveryState.DELIVERED, DeliveryState.DELIVERED]


async def test_pending_messages_are_sent_after_a_restart(sessions: sessionmaker[Session]) -> None:
    before, after = Inbox(), Inbox()
    async with rasa_standin(mode="fail") as rasa:
        async with relay_on(rasa, sessions) as relay:
            await relay.handle(message("kept one"), before)
            await relay.handle(message("kept two"), before)
        assert states(sessions) == [DeliveryState.PENDING, DeliveryState.PENDING]
        rasa.mode = "answer"
        async with relay_on(rasa, sessions) as restarted:
            restarted.register_channel(Channel.WEB, lambda sender: after)
            await restarted.resume()
            texts = await after.wait_for(2)
    assert before.texts() == [ONE_MOMENT]
    assert texts == ["you said: kept one", "you said: kept two"]
    assert rasa.texts() == ["kept one", "kept two"]
    assert states(sessions) == [DeliveryState.DELIVERED, DeliveryState.DELIVERED]


async def test_replies_to_resumed_messages_are_recorded_when_nobody_can_be_told(
    sessions: sessionmaker[Session],
) -> None:
    async with rasa_standin(mode="fail") as rasa:
        async with relay_on(rasa, sessions) as relay:
            await relay.handle(message("hello?", sender="tg-7", connection="7"), Inbox())
        rasa.mode = "answer"
        async with relay_on(rasa, sessions) as restarted:
            await restarted.resume()  # no Telegram channel registered
            for _ in range(100):
                if len(entries(sessions, "tg-7")) == 2:
                    break
                await asyncio.sleep(0.05)
            history = await restarted.history("tg-7")
    assert [(m.sender, m.text) for m in history] == [
        (TranscriptSender.CUSTOMER, "hello?"),
        (TranscriptSender.BOT, "you said: hello?"),
    ]


async def test_history_is_the_transcript(sessions: sessionmaker[Session]) -> None:
    async with rasa_standin() as rasa, relay_on(rasa, sessions) as relay:
        for n in range(3):
            await relay.handle(message(f"m{n}"), Inbox())
        latest = await relay.history(SENDER, limit=2)
    assert [m.text for m in latest] == ["m2", "you said: m2"]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ({"recipient_id": "x", "text": "hi"}, Outgoing(text="hi")),
        ({"text": "pick", "buttons": [{"title": "A", "payload": "/a"}, {"title": "bad"}]},
         Outgoing(text="pick", buttons=(Button("A", "/a"),))),
        ({"image": "https://x/y.png"}, Outgoing(image="https://x/y.png")),
        ({"custom": {"any": ["thing"]}}, Outgoing(custom={"any": ["thing"]})),
        ({"attachment": {"type": "video"}}, Outgoing(custom={"attachment": {"type": "video"}})),
        ({"recipient_id": "x"}, None),
        ({"text": 42, "image": None}, None),
    ],
)  # fmt: skip
def test_rasa_replies_become_channel_neutral_messages(
    reply: dict[str, Any], expected: Outgoing | None
) -> None:
    assert outgoing_from_rasa(reply) == expected


def test_backoff_grows_to_its_longest() -> None:
    backoff = Backoff(first=1, factor=2, longest=5)
    assert [backoff.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
