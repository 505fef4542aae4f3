"""Buttons: an inline keyboard whose buttons carry the payloads; a press is answered, the
keyboard edited away, and the payload relayed (once, however often it is tapped)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.relay import Button, Incoming, Outgoing
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import Answer, FakeRelay, polling_channel

SLOTS = (
    Button("Tue 3 Mar, 9:00–13:00", '/inform{"slot_key":"2026-03-03T09:00-13:00"}'),
    Button("Wed 4 Mar, 13:00–18:00", '/inform{"slot_key":"2026-03-04T13:00-18:00"}'),
)
#: 100+ bytes: more than Telegram's 64-byte callback_data.
LONG = Button(
    "Locker", '/inform{"pickup_point":"IT-MIL-LOCKER-0042-VIA-DEI-MILLE-STAZIONE-CENTRALE-EST"}'
)


def offer(*buttons: Button) -> Answer:
    def answer(incoming: Incoming) -> list[Outgoing]:
        if incoming.text and incoming.text.startswith("/"):
            return [Outgoing(text=f"chosen {incoming.text}")]
        return [Outgoing(text="Which one?", buttons=buttons)]

    return answer


async def test_buttons_are_an_inline_keyboard_and_a_press_relays_the_payload_once(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    relay.answer = offer(*SLOTS)
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "reschedule please")
        [question] = await standin.wait_for("sendMessage")
        assert question.reply_markup == {
            "inline_keyboard": [[{"text": b.title, "callback_data": b.payload}] for b in SLOTS]
        }
        message = standin.message_of(question)
        await standin.press(ada, message, SLOTS[1].payload)
        await standin.press(ada, message, SLOTS[0].payload)  # before the keyboard is gone
        await standin.wait_for("answerCallbackQuery", count=2)
        [edit] = await standin.wait_for("editMessageReplyMarkup")
        await standin.wait_for("sendMessage", count=2)

    assert [i.text for i in relay.received] == ["reschedule please", SLOTS[1].payload]
    assert relay.received[1].metadata == {"customer_name": "Ada", "language": "it"}
    assert edit.params["chat_id"] == ada.chat_id
    assert edit.params["message_id"] == message["message_id"]
    assert "reply_markup" not in standin.message_of(question)  # the keyboard is gone
    assert standin.texts_to(ada.chat_id)[-1] == f"chosen {SLOTS[1].payload}"


async def test_short_titles_share_a_row(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    yes, no = Button("Yes", "/affirm"), Button("No", "/deny")
    relay.answer = offer(yes, no)
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "change it")
        [question] = await standin.wait_for("sendMessage")

    assert question.reply_markup == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "/affirm"}, {"text": "No", "callback_data": "/deny"}]
        ]
    }


async def test_a_payload_longer_than_64_bytes_travels_as_a_digest(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    relay.answer = offer(LONG)
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "a locker")
        [question] = await standin.wait_for("sendMessage")
        [button] = question.inline_buttons
        assert len(button["callback_data"].encode()) <= 64
        await standin.press(ada, standin.message_of(question), button["callback_data"])
        await relay.wait_for(2)

    assert relay.received[1].text == LONG.payload


async def test_a_digest_is_found_in_the_transcript_after_a_restart(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    relay.answer = offer(LONG)
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "a locker")
        [question] = await standin.wait_for("sendMessage")
    # A new process: nothing in memory, the offered buttons only in the transcript.
    async with polling_channel(standin, relay, sessions):
        [button] = question.inline_buttons
        await standin.press(ada, standin.message_of(question), button["callback_data"])
        await relay.wait_for(2)

    assert relay.received[1].text == LONG.payload


async def test_an_unknown_digest_is_not_relayed(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    relay.answer = offer(*SLOTS)
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "reschedule")
        [question] = await standin.wait_for("sendMessage")
        await standin.press(ada, standin.message_of(question), "#forgedforgedforgedforge")
        await standin.wait_for("answerCallbackQuery")
        [_, answer] = await standin.wait_for("sendMessage", count=2)

    assert [i.text for i in relay.received] == ["reschedule"]
    assert answer.text and answer.text.startswith("Usa i pulsanti")  # in Ada's language
