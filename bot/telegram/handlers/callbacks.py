"""Pressed inline buttons."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.gateway_texts import GatewayText, gateway_text
from bot.relay import Outgoing
from bot.telegram.incoming import conversation_id, incoming
from bot.telegram.services import services

logger = logging.getLogger(__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed button is acknowledged, its keyboard taken away, and its payload relayed."""
    query = update.callback_query
    if query is None:
        return
    message = query.message
    found = services(context)
    # Decided before the first await: of two quick taps, the first one counts.
    first = message is not None and found.presses.first_press(message.chat.id, message.message_id)
    if message is None or not query.data or not first:
        await query.answer()  # Telegram shows a spinner on the button until it is answered
        return  # no message to go with it, or a second tap before the keyboard was gone
    chat = message.chat
    async with found.chats.turn(chat.id) as turn:
        await query.answer()
        await remove_keyboard(query)
        payload = await found.payload_of(query.data, conversation_id(chat.id))
        if payload is None:  # a long payload this process never offered (nor the transcript)
            language = query.from_user.language_code
            text = gateway_text(GatewayText.USE_BUTTONS, language)
            await turn.ready()
            await found.sender.deliver_to(chat.id, language)([Outgoing(text=text)])
            return
        await found.relay_message(incoming(chat, query.from_user, payload), chat.id, turn)


async def remove_keyboard(query: CallbackQuery) -> None:
    """Edit the keyboard away, so the choice cannot be made twice."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:  # already gone ("not modified"), or the message is too old
        logger.info("could not remove a keyboard: %s", exc)
