"""``/start``, with the payload of a deep link: ``https://t.me/<bot>?start=<order number>``.

Telegram opens the chat with ``/start <payload>`` when the customer follows such a link (from a
shipping e-mail, say). An order number asks where that order is, in the words the assistant
understands; anything else, or nothing, opens the conversation with a greeting. These words are
the customer's side of the conversation, read by Rasa's NLU (trained in English first); the
customer never sees them as the bot's.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.incoming import incoming
from bot.telegram.services import services

#: An order number as a deep-link payload allows it (A-Z, a-z, 0-9, _ and -): "100001",
#: "SO-100001".
ORDER_NUMBER = re.compile(r"^(?:[A-Za-z]{1,4}[-_]?)?\d{4,12}$")
ASK_ABOUT_ORDER = "where is my order {number}"
GREETING = "hello"


def opening_text(payload: str) -> str:
    """What the customer "says" by opening the chat with ``payload``."""
    if ORDER_NUMBER.fullmatch(payload):
        return ASK_ABOUT_ORDER.format(number=payload.replace("_", "-"))
    return GREETING


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start [payload]``: an order number asks where it is; otherwise a greeting."""
    chat = update.effective_chat
    if chat is None:
        return
    payload = context.args[0] if context.args else ""
    text = opening_text(payload)
    await services(context).relay_message(incoming(chat, update.effective_user, text), chat.id)
