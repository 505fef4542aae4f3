"""The Telegram channel's lifecycle inside the gateway's event loop.

:func:`start_telegram` is what the gateway's lifespan calls when TELEGRAM_BOT_TOKEN is set; the
:class:`TelegramChannel` it returns is stopped with ``await channel.stop()``. Long polling by
default (no public URL needed); with TELEGRAM_WEBHOOK_URL the bot registers that URL and its
secret token with Telegram instead, and the gateway's ``/telegram/webhook`` route
(:mod:`bot.telegram.webhook`) feeds the updates in. Either way the application runs in the same
asyncio loop as the gateway, as python-telegram-bot's "custom webhook" example does, so replies
that come later (Rasa back after an outage, a live agent) reach Telegram through it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import BaseRateLimiter

from bot.relay import Deliver, DeliverTo, Outgoing
from bot.telegram.application import ALLOWED_UPDATES, TelegramApplication, build_application
from bot.telegram.incoming import chat_id_of
from bot.telegram.services import SERVICES_KEY, ChannelServices, RelayPort
from delivery.settings import Settings
from delivery.vocabulary import Channel

logger = logging.getLogger(__name__)

#: What Telegram accepts as a webhook's secret token.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ChannelRelay(RelayPort, Protocol):
    """The relay, as the channel's start needs it (:class:`bot.relay.Relay`)."""

    def register_channel(self, channel: Channel, deliver_to: DeliverTo) -> None: ...


class TelegramConfigError(ValueError):
    """The Telegram settings cannot work: a token Telegram rejects, a webhook without a valid
    secret. (Telegram being unreachable raises python-telegram-bot's ``NetworkError``.)"""


class TelegramChannel:
    """A started Telegram bot: polling, or waiting for its webhook."""

    def __init__(self, application: TelegramApplication, webhook_secret: str | None) -> None:
        self.application = application
        self._webhook_secret = webhook_secret

    @property
    def uses_webhook(self) -> bool:
        return self._webhook_secret is not None

    def accepts_secret(self, secret: str | None) -> bool:
        """Is ``secret`` (the request's X-Telegram-Bot-Api-Secret-Token) the webhook's?"""
        if self._webhook_secret is None or secret is None:
            return False
        return hmac.compare_digest(secret.encode(), self._webhook_secret.encode())

    async def feed(self, data: dict[str, Any]) -> None:
        """Queue one update that arrived at the webhook (the application handles it)."""
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)

    def deliver_to(self, sender: str) -> Deliver:
        """How to reach conversation ``sender`` (``tg-<chat id>``) later: replies to resumed
        messages, a live agent's words."""
        chat_id = chat_id_of(sender)

        async def deliver(messages: Sequence[Outgoing]) -> None:
            if chat_id is None:
                logger.error("%s is not a Telegram conversation; dropped", sender)
                return
            await self._services().sender.send(chat_id, messages)

        return deliver

    async def stop(self) -> None:
        """Stop polling (or accepting webhook updates), finish what is running, shut down.
        A webhook stays registered with Telegram, which keeps updates until the next start."""
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)

    def _services(self) -> ChannelServices:
        found = self.application.bot_data.get(SERVICES_KEY)
        if not isinstance(found, ChannelServices):
            raise RuntimeError("the Telegram channel is not running")
        return found


async def start_telegram(
    settings: Settings,
    relay: ChannelRelay,
    sessions: sessionmaker[Session],
    *,
    rate_limiter: BaseRateLimiter[None] | None = None,
    poll_timeout: dt.timedelta = dt.timedelta(seconds=10),
) -> TelegramChannel:
    """Start the bot of TELEGRAM_BOT_TOKEN and register it with the relay (call this before
    ``relay.resume()``, so that resumed Telegram messages find their way back)."""
    channel = await _start(settings, relay, sessions, rate_limiter, poll_timeout)
    relay.register_channel(Channel.TELEGRAM, channel.deliver_to)
    return channel


async def _start(
    settings: Settings,
    relay: RelayPort,
    sessions: sessionmaker[Session],
    rate_limiter: BaseRateLimiter[None] | None,
    poll_timeout: dt.timedelta,
) -> TelegramChannel:
    if settings.telegram_bot_token is None:
        raise TelegramConfigError("TELEGRAM_BOT_TOKEN is not set")
    webhook_url = settings.telegram_webhook_url
    secret = _webhook_secret(settings) if webhook_url else None
    application = build_application(
        token=settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        relay=relay,
        sessions=sessions,
        polling=webhook_url is None,
        rate_limiter=rate_limiter,
    )
    channel = TelegramChannel(application, secret)
    try:
        await application.initialize()  # asks Telegram who the bot is: a bad token fails here
    except InvalidToken:
        await application.bot.shutdown()
        # Without the original error: python-telegram-bot's message quotes the token.
        raise TelegramConfigError("Telegram rejected TELEGRAM_BOT_TOKEN") from None
    except BaseException:
        await application.bot.shutdown()
        raise
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        if webhook_url is None:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
            logger.info("Telegram: @%s is polling for updates", application.bot.username)
        else:
            await application.bot.set_webhook(
                webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
            logger.info("Telegram: @%s receives updates at %s", application.bot.username,
                        webhook_url)  # fmt: skip
    except BaseException:
        await channel.stop()
        raise
    return channel


def _webhook_secret(settings: Settings) -> str:
    secret = settings.telegram_webhook_secret
    value = secret.get_secret_value() if secret is not None else ""
    if not _SECRET_TOKEN.fullmatch(value):
        raise TelegramConfigError(
            "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters of "
            "A-Z, a-z, 0-9, _ and -"
        )
    return value
