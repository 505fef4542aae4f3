"""The Telegram channel in front of the real relay, with a stand-in Rasa on loopback: what Rasa
receives from a Telegram chat, and how its answers (buttons too) reach the chat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot import transcript
from bot.gateway_texts import GatewayText, gateway_text
from bot.relay import Outgoing
from delivery.clock import utcnow
from delivery.db.session import unit_of_work
from delivery.vocabulary import Channel
from tests.bot.rasa_standin import rasa_standin
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay, polling_channel, real_relay

SLOT = '/inform{"slot_key":"2026-03-03T09:00-13:00"}'
LOCKER = '/inform{"pickup_point":"IT-MIL-LOCKER-0042-VIA-DEI-MILLE-STAZIONE-CENTRALE-EST"}'


def assistant(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A tiny Rasa: offers a slot and a locker, and confirms whatever is chosen."""
    text = body["message"]
    if text.startswith("/inform"):
        return [{"recipient_id": body["sender"], "text": f"Done: {text}"}]
    buttons = [{"title": "Tue 9-13", "payload": SLOT}, {"title": "Locker", "payload": LOCKER}]
    return [{"recipient_id": body["sender"], "text": "Which one?", "buttons": buttons}]


async def test_a_chat_talks_to_rasa_through_the_relay(
    standin: TelegramStandin, committed_sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    async with (
        rasa_standin(reply=assistant) as rasa,
        real_relay(rasa.url, committed_sessions, action_server_url=rasa.url) as relay,
        polling_channel(standin, relay, committed_sessions),
    ):
        await standin.say(ada, "sposta la consegna")
        [question] = await standin.wait_for("sendMessage")
        await standin.say(ada, SLOT.replace("09:00", "07:00"))  # typed, never offered
        await standin.wait_for("sendMessage", count=2)
        locker = question.inline_buttons[1]["callback_data"]
        await standin.press(ada, standin.message_of(question), locker)
        *_, done = await standin.wait_for("sendMessage", count=3)

    first, chosen = rasa.received
    assert first["sender"] == "tg-4242"
    assert first["input_channel"] == "telegram"
    assert first["metadata"] == {"customer_name": "Ada", "language": "it", "channel": "telegram"}
    assert chosen["message"] == LOCKER  # the long payload, back from its digest
    assert standin.texts_to(ada.chat_id) == [
        "Which one?",
        gateway_text(GatewayText.USE_BUTTONS, "it"),
        f"Done: {LOCKER}",
    ]
    assert done.reply_markup is None


async def test_a_message_left_pending_by_a_restart_is_answered_in_its_chat(
    standin: TelegramStandin, committed_sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    with unit_of_work(committed_sessions) as session:  # written before the gateway went down
        transcript.add_customer_message(
            session,
            channel=Channel.TELEGRAM,
            conversation_id="tg-4242",
            text="sposta la consegna",
            metadata={"language": "it", "channel": "telegram"},
            now=utcnow() - dt.timedelta(minutes=1),
        )
    async with (
        rasa_standin(reply=assistant) as rasa,
        real_relay(rasa.url, committed_sessions, action_server_url=rasa.url) as relay,
        polling_channel(standin, relay, committed_sessions),  # registers before resume
    ):
        await relay.resume()
        [sent] = await standin.wait_for("sendMessage")

    assert rasa.texts() == ["sposta la consegna"]
    assert sent.chat_id == ada.chat_id
    assert sent.text == "Which one?"
    assert len(sent.inline_buttons) == 2


async def test_only_telegram_conversations_are_delivered_to(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    async with polling_channel(standin, relay, sessions) as channel:
        deliver_to = relay.registered[Channel.TELEGRAM]
        assert deliver_to == channel.deliver_to
        await channel.deliver_to("web-abc")([Outgoing(text="not for Telegram")])
        await deliver_to("tg-4242")([Outgoing(text="Your parcel is on its way again.")])
        [sent] = await standin.wait_for("sendMessage")

    assert (sent.chat_id, sent.text) == (ada.chat_id, "Your parcel is on its way again.")
    assert len(standin.calls_to("sendMessage")) == 1
