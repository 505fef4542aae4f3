"""Shared locations: where to look for pickup points."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.incoming import incoming
from bot.telegram.services import services

#: The message text that goes with a location (Rasa needs one). No digits, so NLU finds no
#: order number or postcode in it; the actions read the place from the metadata.
LOCATION_TEXT = "📍"


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location goes to the relay as ``metadata.location``."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.location is None:
        return
    where = {"latitude": message.location.latitude, "longitude": message.location.longitude}
    found = incoming(chat, update.effective_user, LOCATION_TEXT, location=where)
    await services(context).relay_message(found, chat.id)
