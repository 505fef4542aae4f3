"""Typed messages."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.incoming import incoming
from bot.telegram.services import services


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed message (or a reply-keyboard button, sent as its title) goes to the relay."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    found = services(context)
    text = found.keyboards.payload_for(chat.id, message.text) or message.text
    await found.relay_message(incoming(chat, update.effective_user, text), chat.id)
