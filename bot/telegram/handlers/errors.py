"""The one place where a handler's failure ends up: logged, and the customer told (in their
language) to try again, rather than left waiting for an answer that will never come."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.telegram.texts import TelegramText, telegram_text

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with the update it happened on; the bot carries on with the next one."""
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    where = f"chat {chat.id}" if chat else "no chat"
    if isinstance(error, Forbidden):
        logger.info("Telegram refused an action in %s (blocked?): %s", where, error)
    elif isinstance(error, NetworkError) and update is None:
        logger.warning("Telegram unreachable while polling: %s", error)
    else:
        logger.error("a Telegram update in %s failed", where, exc_info=error)
        if chat is not None and not isinstance(error, TelegramError):
            await _apologise(update, context, chat.id)


async def _apologise(update: object, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    user = update.effective_user if isinstance(update, Update) else None
    text = telegram_text(TelegramText.FAILED, user.language_code if user else None)
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError as exc:  # Telegram itself is failing: nothing more to do
        logger.warning("could not tell chat %s about the failure: %s", chat_id, exc)
