"""Shared contacts: the customer's own phone number as proof of who they are."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.relay import Outgoing
from bot.telegram.phone import link_by_phone
from bot.telegram.services import services
from bot.telegram.texts import TelegramText, telegram_text
from delivery.clock import utcnow


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The sender's own number links the chat to its customer; anyone else's is refused."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or message.contact is None:
        return
    found = services(context)
    language = user.language_code if user else None
    async with found.chats.turn(chat.id) as turn:
        await turn.ready()  # linked before the chat's next message reaches Rasa
        if user is None or message.contact.user_id != user.id:
            answer = TelegramText.PHONE_NOT_OWN
        else:
            customer_id = await asyncio.to_thread(
                link_by_phone,
                found.sessions,
                chat_id=chat.id,
                phone=message.contact.phone_number,
                now=utcnow(),
            )
            linked = customer_id is not None
            answer = TelegramText.PHONE_LINKED if linked else TelegramText.PHONE_UNKNOWN
        deliver = found.sender.deliver_to(chat.id, language)
        await deliver([Outgoing(text=telegram_text(answer, language))])
