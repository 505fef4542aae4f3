"""``/start`` with a deep-link payload: https://t.me/<bot>?start=<order number>."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram.handlers.start import opening_text
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay, polling_channel


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        ("100001", "where is my order 100001"),
        ("SO-100007", "where is my order SO-100007"),
        ("SO_100007", "where is my order SO-100007"),
        ("", "hello"),
        ("summer-sale", "hello"),
        ("12", "hello"),
    ],
)
def test_what_a_payload_says(payload: str, said: str) -> None:
    assert opening_text(payload) == said


async def test_a_deep_link_with_an_order_number_asks_where_it_is(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "/start 100001")
        await standin.say(ada, "/start")
        await relay.wait_for(2)
        await standin.wait_for("sendMessage", count=2)

    assert [i.text for i in relay.received] == ["where is my order 100001", "hello"]
    assert relay.received[0].metadata == {"customer_name": "Ada", "language": "it"}
