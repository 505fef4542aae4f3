"""Where is my order, from Telegram chats: the real python-telegram-bot application long-polls a
Bot API stand-in, the real relay passes the chats to the real Rasa and action server.

Ada follows a deep link from her shipping e-mail (``/start <order number>``), proves the order
with her e-mail and looks for a pickup point near the location she shares. Marco shares his own
phone number as a contact, which links his chat, and picks an order from the buttons offered.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.orm import Session, sessionmaker

from delivery.db.session import make_engine, make_session_factory
from delivery.services.identity import linked_customer
from delivery.vocabulary import Channel
from tests.support.assistant import Assistant
from tests.support.telegram_standin import Call, TelegramStandin, TelegramUser
from tests.telegram.harness import polling_channel, real_relay

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ADA = TelegramUser(id=910001, first_name="Ada", language_code="en")
MARCO = TelegramUser(id=910002, first_name="Marco", language_code="it")
RASA_TURN = 60.0  # seconds: the first turns load the model's components


@pytest.fixture
def assistant_sessions(assistant: Assistant) -> sessionmaker[Session]:
    return make_session_factory(make_engine(assistant.database_url))


def texts(calls: list[Call]) -> str:
    return "\n".join(call.text or "" for call in calls)


async def test_where_is_my_order_from_telegram(
    assistant: Assistant,
    standin: TelegramStandin,
    assistant_sessions: sessionmaker[Session],
    far_order: str,
) -> None:
    # Ada's order arrives in four days: the carrier's cut-off never closes the pickup point
    # switch, whatever the time of day the tests run.
    ada_order, ada_email = far_order.split()

    async def replies(user: TelegramUser, said: int) -> list[Call]:
        """The bot's answer to ``user`` after its first ``said`` messages: every message of the
        turn (the turn is over once no more come for a second)."""

        def to_user(call: Call) -> bool:
            return call.chat_id == user.chat_id

        sent = await standin.wait_for("sendMessage", to_user, count=said + 1, within=RASA_TURN)
        while True:
            await asyncio.sleep(1.0)
            now = standin.calls_to("sendMessage", user.chat_id)
            if len(now) == len(sent):
                return now[said:]
            sent = now

    async with (
        real_relay(
            assistant.rasa_url, assistant_sessions, token=assistant.token, rasa_timeout=60
        ) as relay,
        polling_channel(standin, relay, assistant_sessions),
    ):
        # Ada: a deep link with her order number, then her e-mail as proof.
        await standin.say(ADA, f"/start {ada_order}")
        asked = await replies(ADA, 0)
        assert "e-mail" in texts(asked), texts(asked)
        seen = len(standin.calls_to("sendMessage", ADA.chat_id))
        await standin.say(ADA, ada_email)
        status = texts(await replies(ADA, seen))
        assert f"Here's order {ada_order}" in status, status
        assert "✅ Ordered" in status, status

        # A pickup point near where she is: the question comes with a location button.
        seen = len(standin.calls_to("sendMessage", ADA.chat_id))
        await standin.say(ADA, "send it to a pickup point instead")
        asked = await replies(ADA, seen)
        keyboards = [call.reply_markup or {} for call in asked]
        location_buttons = [
            button
            for keyboard in keyboards
            for row in keyboard.get("keyboard", [])
            for button in row
            if button.get("request_location")
        ]
        assert location_buttons, texts(asked)
        seen += len(asked)
        await standin.share_location(ADA, 51.5034, -0.1276)  # Westminster
        points = await replies(ADA, seen)
        assert any(call.inline_buttons for call in points), texts(points)

        # Marco: his own phone number links the chat; then he picks his order by button.
        await standin.share_contact(MARCO, "393330000002")
        [linked] = await replies(MARCO, 0)
        assert "riconosciuto" in (linked.text or "")
        await standin.say(MARCO, "where is my order?")  # NLU speaks English first
        answer = await replies(MARCO, 1)
        seen = 1 + len(answer)
        orders = [
            b
            for call in answer
            for b in call.inline_buttons
            if b["callback_data"].startswith('/inform{"order_number"')
        ]
        number = "100002"
        if orders:  # several orders: the assistant asks which, with buttons ("100002 · 3 Mar")
            [question] = [call for call in answer if call.inline_buttons]
            choice = next((b for b in orders if number in b["text"]), orders[0])
            number = choice["text"].split()[0]
            await standin.press(MARCO, standin.message_of(question), choice["callback_data"])
            await standin.wait_for("answerCallbackQuery", within=RASA_TURN)
            await standin.wait_for("editMessageReplyMarkup", within=RASA_TURN)
            answer = await replies(MARCO, seen)
        status = texts(answer)
        assert number in status, texts(standin.calls_to("sendMessage", MARCO.chat_id))

    with assistant_sessions() as session:
        marco = linked_customer(session, Channel.TELEGRAM, f"tg-{MARCO.chat_id}")
        assert marco is not None and marco.email == "marco.rossi@example.com"
        ada = linked_customer(session, Channel.TELEGRAM, f"tg-{ADA.chat_id}")
        assert ada is not None and ada.email == ada_email
    tracker = assistant.tracker(f"tg-{ADA.chat_id}")
    assert tracker["slots"]["customer_name"] == "Ada"
    assert tracker["latest_input_channel"] == "telegram"
