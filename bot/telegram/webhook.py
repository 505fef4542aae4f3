"""``POST /telegram/webhook``: the updates Telegram pushes in webhook mode.

Telegram sends the secret token it was given with ``setWebhook`` in the
``X-Telegram-Bot-Api-Secret-Token`` header; a request without the right one is refused (403)
before its body is read as an update. An accepted update is queued for the application and
answered at once (Telegram waits for the answer before sending the chat's next update).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.telegram.channel import TelegramChannel

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (the header's name)
WEBHOOK_PATH = "/telegram/webhook"
#: Telegram's updates are small; anything much larger is not one.
_MAX_BODY = 1024 * 1024

ChannelOf = Callable[[Request], TelegramChannel | None]


def running_channel(request: Request) -> TelegramChannel | None:
    """The channel the gateway's lifespan put in its state as ``telegram`` (None: off)."""
    channel = getattr(request.state, "telegram", None)
    return channel if isinstance(channel, TelegramChannel) else None


def webhook_route(channel_of: ChannelOf = running_channel, path: str = WEBHOOK_PATH) -> Route:
    """The route the gateway mounts; ``channel_of`` finds the running channel for a request."""

    async def telegram_webhook(request: Request) -> Response:
        channel = channel_of(request)
        if channel is None or not channel.uses_webhook:
            return Response(status_code=404)
        if not channel.accepts_secret(request.headers.get(SECRET_HEADER)):
            logger.warning("refused a Telegram webhook call without the right secret token")
            return Response(status_code=403)
        body = await request.body()
        try:
            data = json.loads(body) if len(body) <= _MAX_BODY else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response(status_code=400)
        await channel.feed(data)
        return Response(status_code=200)

    return Route(path, telegram_webhook, methods=["POST"], name="telegram_webhook")
