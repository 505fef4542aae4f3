"""The composition root of the Telegram bot: python-telegram-bot's ``Application``, built once.

The builder gets the token, the Bot API's base URL (a local stand-in in tests), the rate limiter
and the lifecycle hooks: ``post_init`` creates what the handlers share (the relay's sender, the
button memory), ``post_shutdown`` lets it go. Updates are handled concurrently across chats and
one at a time within a chat (:class:`bot.telegram.services.ChatLocks`). Only private chats are
served: a conversation is one customer's, never a group's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.ext import (
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.telegram.buttons import LongPayloads, ReplyKeyboards
from bot.telegram.handlers.callbacks import on_button
from bot.telegram.handlers.contact import on_contact
from bot.telegram.handlers.errors import on_error
from bot.telegram.handlers.location import on_location
from bot.telegram.handlers.start import on_start
from bot.telegram.handlers.text import on_text
from bot.telegram.ratelimit import ChatRateLimiter
from bot.telegram.sender import TelegramSender
from bot.telegram.services import SERVICES_KEY, ChannelServices, RelayPort

TelegramApplication = Application[
    ExtBot[None], ContextTypes.DEFAULT_TYPE, dict[Any, Any], dict[Any, Any], dict[Any, Any], None
]

#: The updates the bot asks Telegram for (edits, reactions, channel posts... are not wanted).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def build_application(
    *,
    token: str,
    base_url: str,
    relay: RelayPort,
    sessions: sessionmaker[Session],
    polling: bool = True,
    rate_limiter: BaseRateLimiter[None] | None = None,
) -> TelegramApplication:
    """The bot's application, not yet started (see :mod:`bot.telegram.channel`)."""

    async def post_init(application: TelegramApplication) -> None:
        payloads, keyboards = LongPayloads(), ReplyKeyboards()
        application.bot_data[SERVICES_KEY] = ChannelServices(
            relay=relay,
            sessions=sessions,
            sender=TelegramSender(application.bot, payloads, keyboards),
            payloads=payloads,
            keyboards=keyboards,
        )

    async def post_shutdown(application: TelegramApplication) -> None:
        application.bot_data.pop(SERVICES_KEY, None)

    builder = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .rate_limiter(rate_limiter or ChatRateLimiter())
        .concurrent_updates(True)
        .job_queue(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if not polling:
        builder = builder.updater(None)  # updates arrive through the gateway's webhook route
    application = builder.build()
    add_handlers(application)
    return application


def add_handlers(application: TelegramApplication) -> None:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", on_start, filters=private))
    application.add_handler(MessageHandler(private & filters.LOCATION, on_location))
    application.add_handler(MessageHandler(private & filters.CONTACT, on_contact))
    application.add_handler(MessageHandler(private & filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
