"""The one place where a handler's failure ends up."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import ContextTypes

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
