"""The real Telegram channel against the Bot API stand-in, with a relay the test controls.

Shared by the tests in this folder, including the one with the real Rasa (test_e2e.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request

from bot.rasa_client import RasaClient
from bot.relay import Backoff, Deliver, DeliverTo, Incoming, Outgoing, Relay, TranscriptMessage
from bot.telegram import TelegramChannel, start_telegram, webhook_route
from bot.telegram.channel import ChannelRelay
from bot.telegram.ratelimit import ChatRateLimiter
from delivery.db.models import TranscriptSender
from delivery.settings import Settings
from delivery.vocabulary import Channel
from tests.support.telegram_standin import TelegramStandin, serve_asgi

Answer = Callable[[Incoming], Sequence[Outgoing]]


def echo(incoming: Incoming) -> list[Outgoing]:
    return [Outgoing(text=f"you said: {incoming.text}")]


@dataclass
class FakeRelay:
    """Records what the channel relays and answers with ``answer``; keeps a transcript of the
    buttons it offered, as the real relay does."""

    answer: Answer = echo
    received: list[Incoming] = field(default_factory=list)
    offered: dict[str, list[TranscriptMessage]] = field(default_factory=dict)
    registered: dict[Channel, DeliverTo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)

    def register_channel(self, channel: Channel, deliver_to: DeliverTo) -> None:
        self.registered[channel] = deliver_to

    async def handle(self, incoming: Incoming, deliver: Deliver) -> None:
        async with self._changed:
            self.received.append(incoming)
            self._changed.notify_all()
        replies = list(self.answer(incoming))
        self.offered.setdefault(incoming.sender, []).extend(
            TranscriptMessage(
                id=next(self._ids),
                sender=TranscriptSender.BOT,
                text=reply.text,
                buttons=reply.buttons,
                image=reply.image,
                custom=reply.custom,
                at=dt.datetime.now(dt.UTC),
            )
            for reply in replies
        )
        if replies:
            await deliver(replies)

    async def history(self, sender: str, limit: int = 50) -> list[TranscriptMessage]:
        return self.offered.get(sender, [])[-limit:]

    async def wait_for(self, count: int = 1, within: float = 10) -> list[Incoming]:
        """The first ``count`` messages relayed, once they have been."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.received) >= count), within
            )
        return self.received[:count]


def fast_limiter() -> ChatRateLimiter:
    """Telegram's limits would make the tests slow; these are generous."""
    return ChatRateLimiter(overall_per_second=1000, per_chat_per_second=100, per_chat_burst=50)


def channel_settings(standin: TelegramStandin, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_BASE_URL": standin.base_url,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def polling_channel(
    standin: TelegramStandin,
    relay: ChannelRelay,
    sessions: sessionmaker[Session],
    *,
    limiter: ChatRateLimiter | None = None,
) -> AsyncIterator[TelegramChannel]:
    """The channel, long polling the stand-in."""
    channel = await start_telegram(
        channel_settings(standin),
        relay,
        sessions,
        rate_limiter=limiter or fast_limiter(),
        poll_timeout=dt.timedelta(seconds=1),
    )
    try:
        yield channel
    finally:
        await channel.stop()


@dataclass
class WebhookGateway:
    """The gateway's webhook route, served on loopback, and the channel behind it."""

    url: str
    channel: TelegramChannel | None = None


@asynccontextmanager
async def webhook_channel(
    standin: TelegramStandin,
    relay: ChannelRelay,
    sessions: sessionmaker[Session],
    *,
    secret: str,
) -> AsyncIterator[WebhookGateway]:
    """The channel in webhook mode, behind a Starlette app with the gateway's route."""
    gateway = WebhookGateway(url="")

    def channel_of(request: Request) -> TelegramChannel | None:
        return gateway.channel

    app = Starlette(routes=[webhook_route(channel_of)])
    async with serve_asgi(app) as url:
        gateway.url = f"{url}/telegram/webhook"
        settings = channel_settings(
            standin, TELEGRAM_WEBHOOK_URL=gateway.url, TELEGRAM_WEBHOOK_SECRET=secret
        )
        gateway.channel = await start_telegram(
            settings, relay, sessions, rate_limiter=fast_limiter()
        )
        try:
            yield gateway
        finally:
            await gateway.channel.stop()


@asynccontextmanager
async def real_relay(
    rasa_url: str,
    sessions: sessionmaker[Session],
    *,
    token: str | None = None,
    action_server_url: str | None = None,
    rasa_timeout: float = 5,
) -> AsyncIterator[Relay]:
    """The gateway's relay to the Rasa at ``rasa_url``, retrying quickly."""
    settings = Settings(RASA_TIMEOUT_SECONDS=rasa_timeout, SLOW_REPLY_NOTICE_SECONDS=rasa_timeout)
    client = RasaClient(
        rasa_url, timeout=rasa_timeout, token=token, action_server_url=action_server_url
    )
    relay = Relay(sessions=sessions, settings=settings, rasa=client, backoff=Backoff(0.05))
    try:
        yield relay
    finally:
        await relay.aclose()
        await client.aclose()
