"""Text both ways: the real application long-polls the stand-in, the relay gets the message,
and its reply goes back as a plain-text sendMessage."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.relay import Incoming, Outgoing
from bot.telegram.texts import TelegramText, telegram_text
from delivery.vocabulary import Channel
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay, polling_channel


async def test_a_message_goes_to_the_relay_and_the_reply_back_as_plain_text(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    # Telegram would read these as formatting in Markdown or HTML mode; sent plain, they are text.
    relay.answer = lambda incoming: [Outgoing(text="Ciao *Ada* <b>_x_</b> [link](http://e.vil)")]
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "dov'è il mio ordine?")
        [received] = await relay.wait_for(1)
        [sent] = await standin.wait_for("sendMessage")

    assert received == Incoming(
        channel=Channel.TELEGRAM,
        sender="tg-4242",
        text="dov'è il mio ordine?",
        metadata={"customer_name": "Ada", "language": "it"},
        connection="tg-4242",
    )
    assert sent.chat_id == 4242
    assert sent.text == "Ciao *Ada* <b>_x_</b> [link](http://e.vil)"
    assert "parse_mode" not in sent.params
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert standin.calls_to("sendChatAction", 4242)[0].params["action"] == "typing"


async def test_replies_keep_their_order_and_a_long_text_is_split(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    long_text = "\n".join(f"line {n:04d} " + "x" * 40 for n in range(200))  # ~10,000 chars
    relay.answer = lambda incoming: [Outgoing(text="first"), Outgoing(text=long_text)]
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "hi")
        sent = await standin.wait_for("sendMessage", count=4)

    texts = [call.text or "" for call in sent]
    assert texts[0] == "first"
    assert all(len(text) <= 4096 for text in texts)
    assert "\n".join(texts[1:]) == long_text


async def test_group_chats_are_not_served(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    async with polling_channel(standin, relay, sessions):
        group = {"id": -100123, "type": "group", "title": "Friends"}
        update = await standin.push(
            {
                "message": {
                    "message_id": 1,
                    "date": 1700000000,
                    "chat": group,
                    "from": ada.as_json(),
                    "text": "where is my order 100001",
                }
            }
        )
        await standin.say(ada, "hi")  # a private message after it is handled
        [received] = await relay.wait_for(1)

    assert update["update_id"] > 0
    assert received.text == "hi"
    assert len(relay.received) == 1


async def test_a_failure_is_apologised_for_in_the_customers_language(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    def broken(incoming: Incoming) -> list[Outgoing]:
        raise RuntimeError("a bug")

    relay.answer = broken
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "dov'è il mio ordine?")
        [sent] = await standin.wait_for("sendMessage")
    assert sent.chat_id == 4242
    assert sent.text == telegram_text(TelegramText.FAILED, "it")
