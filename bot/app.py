"""The gateway's app factory: socket.io in front of the Starlette routes, and the lifespan that
creates what they share (database engine, Rasa client, relay, Telegram when it is on).

One ASGI app serves it all: ``/socket.io/`` goes to the widget's channel
(:mod:`bot.socket_channel`), everything else to Starlette (pages, static files, health, the
import API, Telegram's webhook).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio  # type: ignore[import-untyped]
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from bot.api import api_routes
from bot.handoff_desk import HandoffDesk
from bot.health import health
from bot.notifier import Notifier, NotifierConfig
from bot.pages import home_page
from bot.rasa_client import RasaClient
from bot.relay import Relay
from bot.socket_channel import SocketChannel
from bot.staff import AgentLive, staff_routes
from bot.state import GatewayState
from bot.telegram import TelegramChannel, TelegramConfigError, start_telegram, webhook_route
from delivery.db.session import make_engine, make_session_factory
from delivery.notifications.policy import QueuePolicy
from delivery.settings import PROJECT_ROOT, Settings, load_settings
from delivery.vocabulary import Channel

logger = logging.getLogger(__name__)

STATIC_DIR = PROJECT_ROOT / "bot" / "static"
#: Telegram unreachable must not hold the gateway's startup for long.
TELEGRAM_START_SECONDS = 30.0


class Gateway:
    """The gateway's ASGI app: socket.io at ``/socket.io/``, the rest to :attr:`web`."""

    def __init__(self, web: Starlette, sockets: SocketChannel) -> None:
        self.web = web
        self.sockets = sockets
        # Lifespan events pass through to the Starlette app, which runs the lifespan below.
        self._asgi = socketio.ASGIApp(sockets.server, other_asgi_app=web, socketio_path="socket.io")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(settings: Settings | None = None) -> Gateway:
    """A new gateway; everything with a lifetime is created on startup and closed on shutdown."""
    settings = settings or load_settings()
    sockets = SocketChannel(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
        rasa = RasaClient(
            settings.rasa_url,
            timeout=settings.rasa_timeout_seconds,
            token=token,
            action_server_url=settings.action_server_base_url,
        )
        relay = Relay(sessions=sessions, settings=settings, rasa=rasa)
        desk = HandoffDesk(sessions=sessions, rasa=rasa, relay=relay)
        live = AgentLive(server=sockets.server, sessions=sessions, settings=settings)
        desk.set_broadcast(live)
        telegram: TelegramChannel | None = None
        notifier = _notifier(settings, sessions, relay, sockets)
        try:
            sockets.attach(relay, sessions)
            telegram = await _start_telegram(settings, relay, sessions)
            # After every channel registered, so resumed messages' replies find their way.
            await relay.resume()
            if notifier is not None:
                sockets.on_opened(notifier.customer_opened)
                notifier.start()
            gateway = GatewayState(
                settings=settings,
                engine=engine,
                session_factory=sessions,
                rasa=rasa,
                relay=relay,
                desk=desk,
                notifier=notifier,
            )
            yield {"gateway": gateway, "telegram": telegram}
        finally:
            # First, while the channels still work: what is in flight finishes.
            if notifier is not None:
                await notifier.aclose()
            sockets.detach()
            if telegram is not None:
                await telegram.stop()
            await relay.aclose()
            await desk.aclose()
            await rasa.aclose()
            engine.dispose()

    routes = [
        Route("/", home_page, methods=["GET"], name="home"),
        Route("/health", health, methods=["GET"], name="health"),
        Mount("/api/v1", routes=api_routes()),
        *staff_routes(),
        Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
        webhook_route(),
    ]
    return Gateway(Starlette(routes=routes, lifespan=lifespan), sockets)


def _notifier(
    settings: Settings, sessions: sessionmaker[Session], relay: Relay, sockets: SocketChannel
) -> Notifier | None:
    """The notification sender, unless NOTIFIER_ENABLED is off."""
    if not settings.notifier_enabled:
        logger.info("the notification sender is off (NOTIFIER_ENABLED)")
        return None

    def reachable(channel: Channel, conversation_id: str) -> bool:
        # A Telegram chat can always be written to; a widget session only while it is open.
        return channel is Channel.TELEGRAM or sockets.is_open(conversation_id)

    return Notifier(
        sessions=sessions,
        relay=relay,
        policy=QueuePolicy.from_settings(settings),
        reachable=reachable,
        config=NotifierConfig(
            concurrency=settings.notifier_concurrency,
            poll_seconds=settings.notifier_poll_seconds,
        ),
    )


async def _start_telegram(
    settings: Settings, relay: Relay, sessions: sessionmaker[Session]
) -> TelegramChannel | None:
    """The Telegram channel when TELEGRAM_BOT_TOKEN is set. A misconfiguration stops the
    gateway; Telegram being unreachable only turns the channel off (the widget still works)."""
    token = settings.telegram_bot_token
    if token is None or not token.get_secret_value().strip():
        logger.info("Telegram is off (TELEGRAM_BOT_TOKEN is not set)")
        return None
    try:
        async with asyncio.timeout(TELEGRAM_START_SECONDS):
            return await start_telegram(settings, relay, sessions)
    except TelegramConfigError:
        raise
    except Exception:
        logger.exception("Telegram could not start; the gateway runs without it")
        return None
