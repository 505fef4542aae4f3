"""Shared locations go to the relay as metadata; the pickup-point question offers a "share my
location" reply keyboard, whose other buttons send their payloads."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.relay import Button, Incoming, Outgoing
from bot.telegram.handlers.location import LOCATION_TEXT
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay, polling_channel

NEAR_HOME = Button("Near my delivery address", '/inform{"pickup_origin":"delivery_address"}')


def pickup_question(incoming: Incoming) -> list[Outgoing]:
    if incoming.text == "a pickup point please":
        return [Outgoing(text="Where should I look?", buttons=(NEAR_HOME,))]
    return [Outgoing(text="Here are the nearest points.")]


async def test_a_shared_location_is_metadata(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    async with polling_channel(standin, relay, sessions):
        await standin.share_location(ada, 45.4642, 9.19)
        [received] = await relay.wait_for(1)

    assert received.text == LOCATION_TEXT
    assert received.metadata == {
        "customer_name": "Ada",
        "language": "it",
        "location": {"latitude": 45.4642, "longitude": 9.19},
    }


async def test_where_from_gets_a_location_button_and_the_next_reply_takes_it_away(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    relay.answer = pickup_question
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "a pickup point please")
        [question] = await standin.wait_for("sendMessage")
        await standin.say(ada, NEAR_HOME.title)  # the reply keyboard sends the title
        [_, answer] = await standin.wait_for("sendMessage", count=2)

    assert question.reply_markup == {
        "keyboard": [
            [{"text": "📍 Condividi la mia posizione", "request_location": True}],
            [{"text": NEAR_HOME.title}],
        ],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    assert relay.received[1].text == NEAR_HOME.payload
    assert answer.reply_markup == {"remove_keyboard": True}


async def test_a_location_answers_the_question(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    relay.answer = pickup_question
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "a pickup point please")
        await standin.wait_for("sendMessage")
        await standin.share_location(ada, 45.4642, 9.19)
        [_, answer] = await standin.wait_for("sendMessage", count=2)
        await standin.say(ada, "thanks")
        [*_, later] = await standin.wait_for("sendMessage", count=3)

    assert relay.received[1].metadata["location"] == {"latitude": 45.4642, "longitude": 9.19}
    assert answer.reply_markup == {"remove_keyboard": True}
    assert later.reply_markup is None  # taken away once is enough
