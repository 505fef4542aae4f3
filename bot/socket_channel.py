"""The website widget's channel: Rasa's socket.io protocol, spoken by the gateway.

Rasa 3.6's own socketio channel is the reference (event names, payload shapes), so the
project's widget and off-the-shelf Rasa widgets (botfront's rasa-webchat) work unchanged:

- ``session_request {session_id}`` -> ``session_confirm "<session_id>"`` (the bare id, as Rasa
  sends it; widgets also accept ``{session_id}``). The id comes from the widget's storage, so a
  reload or a new tab continues the conversation ``web-<session_id>``; an id that is not 8-64
  characters of ``[A-Za-z0-9_-]`` is replaced by a fresh one.
- ``user_uttered {message, session_id, customData}``: a null message (rasa-webchat's opening
  message without an init payload) is ignored. From ``customData`` only ``language``,
  ``location`` and the shop's signed ``token`` are read; nothing a client says about itself is
  taken as who it is.
- ``bot_uttered``, shaped as Rasa's SocketIOOutput shapes it: ``{text}`` per paragraph;
  ``{text, quick_replies}`` with the buttons on the last paragraph; ``{attachment}`` for images;
  a custom payload as it is.
- Ours: ``history_request {session_id}`` -> ``history {messages: [...]}`` (see
  :meth:`bot.transcript.TranscriptMessage.as_dict`).

Every socket of a conversation joins the room named by its conversation id, so replies reach
all of its tabs, and replies that come later (Rasa was down) reach whoever is connected then.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import math
import re
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import socketio  # type: ignore[import-untyped]
from sqlalchemy.orm import Session, sessionmaker

from bot.identity import ShopCustomer, link_from_token
from bot.relay import Deliver, Incoming, Outgoing, Relay
from delivery.clock import utcnow
from delivery.settings import Settings
from delivery.vocabulary import Channel

logger = logging.getLogger(__name__)

#: Told when a widget opens a conversation: (channel, conversation id).
Opened = Callable[[Channel, str], Coroutine[Any, Any, None]]

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
SENDER_PREFIX = "web-"
HISTORY_LIMIT = 50
_MAX_HISTORY_LIMIT = 200


@dataclass
class _Visitor:
    """One socket's conversation, and the shop token it was last identified by."""

    session_id: str
    token: str | None = None
    customer: ShopCustomer | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def sender(self) -> str:
        return SENDER_PREFIX + self.session_id


class SocketChannel:
    """The socket.io server and its handlers; :meth:`attach` connects it to the relay."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=settings.widget_origins,
            # Large enough for a message over the size limit, which deserves a polite answer
            # rather than a dropped connection; small enough to bound what one packet costs.
            max_http_buffer_size=max(65_536, settings.message_max_chars * 16),
        )
        self._relay: Relay | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._clock: Callable[[], dt.datetime] = utcnow
        self._visitors: dict[str, _Visitor] = {}
        self._open: Counter[str] = Counter()  # conversation -> sockets connected to it
        self._on_opened: Opened | None = None
        self._opening: set[asyncio.Task[None]] = set()
        self.server.on("connect", self._connect)
        self.server.on("disconnect", self._disconnect)
        self.server.on("session_request", self._session_request)
        self.server.on("user_uttered", self._user_uttered)
        self.server.on("history_request", self._history_request)

    def attach(
        self,
        relay: Relay,
        sessions: sessionmaker[Session],
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        """Start relaying (the app's lifespan calls this once the relay exists)."""
        self._relay, self._sessions, self._clock = relay, sessions, clock
        relay.register_channel(Channel.WEB, self.deliver_to)

    def detach(self) -> None:
        self._relay = self._sessions = None
        self._on_opened = None

    def on_opened(self, listener: Opened) -> None:
        """Be told when a widget opens a conversation (the notifier: what they missed)."""
        self._on_opened = listener

    def is_open(self, sender: str) -> bool:
        """Whether a widget is connected to the conversation ``sender`` now."""
        return self._open[sender] > 0

    def deliver_to(self, sender: str) -> Deliver:
        """The relay's ``deliver`` for the conversation ``sender`` (every tab of it)."""

        async def deliver(messages: Sequence[Outgoing]) -> None:
            for message in messages:
                for payload in bot_uttered(message):
                    await self.server.emit("bot_uttered", payload, room=sender)

        return deliver

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        return self._relay is not None  # refused until the gateway has started

    async def _disconnect(self, sid: str, *reason: Any) -> None:
        visitor = self._visitors.pop(sid, None)
        if visitor is not None:
            self._closed_one(visitor.sender)
        if self._relay is not None:
            self._relay.connection_closed(sid)

    async def _session_request(self, sid: str, data: Any = None) -> None:
        requested = data.get("session_id") if isinstance(data, dict) else None
        session_id = requested if _valid_session_id(requested) else uuid.uuid4().hex
        visitor = await self._join(sid, session_id)
        await self.server.emit("session_confirm", session_id, to=sid)
        if self._on_opened is not None:
            # Not awaited: whatever the customer missed follows the confirmation, in its turn.
            opened = asyncio.create_task(self._on_opened(Channel.WEB, visitor.sender))
            self._opening.add(opened)
            opened.add_done_callback(self._opening.discard)

    async def _user_uttered(self, sid: str, data: Any = None) -> None:
        relay = self._relay
        if relay is None or not isinstance(data, dict):
            return
        visitor = self._visitors.get(sid)
        if visitor is None:
            # A widget that skipped session_request: its session_id names the conversation,
            # as in Rasa's channel with session persistence.
            requested = data.get("session_id")
            if not _valid_session_id(requested):
                logger.info("ignored a message without a session from %s", sid)
                return
            visitor = await self._join(sid, requested)
        message = data.get("message")
        if not isinstance(message, str):
            return  # rasa-webchat's null opening message
        custom = _custom_data(data)
        # A widget sends its queue in a burst: the first message's token check must not let
        # the next one overtake it. The relay keeps the order of the tasks started here.
        async with visitor.lock:
            customer = await self._identify(visitor, custom.get("token"))
            incoming = Incoming(
                channel=Channel.WEB,
                sender=visitor.sender,
                text=message,
                metadata=_metadata(custom, customer),
                connection=sid,
            )
            relayed = asyncio.ensure_future(relay.handle(incoming, self.deliver_to(visitor.sender)))
        await relayed

    async def _history_request(self, sid: str, data: Any = None) -> None:
        relay = self._relay
        if relay is None:
            return
        data = data if isinstance(data, dict) else {}
        visitor = self._visitors.get(sid)
        requested = data.get("session_id")
        if _valid_session_id(requested) and (visitor is None or visitor.session_id != requested):
            visitor = await self._join(sid, requested)
        if visitor is None:
            await self.server.emit("history", {"messages": []}, to=sid)
            return
        limit = data.get("limit")
        if not isinstance(limit, int) or isinstance(limit, bool):
            limit = HISTORY_LIMIT
        limit = max(1, min(limit, _MAX_HISTORY_LIMIT))
        messages = await relay.history(visitor.sender, limit)
        await self.server.emit("history", {"messages": [m.as_dict() for m in messages]}, to=sid)

    async def _join(self, sid: str, session_id: str) -> _Visitor:
        previous = self._visitors.get(sid)
        if previous is not None:
            if previous.session_id == session_id:
                return previous  # a repeated session_request keeps what the socket knows
            await self.server.leave_room(sid, previous.sender)
            self._closed_one(previous.sender)
        visitor = _Visitor(session_id)
        self._visitors[sid] = visitor
        self._open[visitor.sender] += 1
        await self.server.enter_room(sid, visitor.sender)
        return visitor

    def _closed_one(self, sender: str) -> None:
        self._open[sender] -= 1
        if self._open[sender] <= 0:
            del self._open[sender]

    async def _identify(self, visitor: _Visitor, token: Any) -> ShopCustomer | None:
        """The customer the shop's token proves, checked once per token and connection."""
        if not isinstance(token, str) or not token or self._sessions is None:
            return visitor.customer
        if token != visitor.token:
            secret = self._settings.customer_token_secret
            visitor.token = token
            visitor.customer = await link_from_token(
                self._sessions,
                token=token,
                secret=secret.get_secret_value() if secret else None,
                channel=Channel.WEB,
                conversation_id=visitor.sender,
                now=self._clock(),
            )
        return visitor.customer


def bot_uttered(message: Outgoing) -> list[dict[str, Any]]:
    """The ``bot_uttered`` payloads for one message, as Rasa's SocketIOOutput shapes them."""
    payloads: list[dict[str, Any]] = []
    if message.buttons:
        text = message.text or ""
        parts: list[dict[str, Any]] = [
            {"text": part, "quick_replies": []} for part in text.strip().split("\n\n")
        ]
        parts[-1]["quick_replies"] = [
            {"content_type": "text", "title": b.title, "payload": b.payload}
            for b in message.buttons
        ]
        payloads += parts
    elif message.text and message.text.strip():
        payloads += [{"text": part} for part in message.text.strip().split("\n\n")]
    if message.image:
        payloads.append({"attachment": {"type": "image", "payload": {"src": message.image}}})
    if message.agent:
        # Widgets that know live agents show who wrote it. Under `metadata`, because
        # rasa-webchat renders only messages of the shapes Rasa sends, and drops `metadata`.
        for payload in payloads:
            payload["metadata"] = {"sender": "agent", "agent": message.agent}
    if message.custom is not None:
        payloads.append(message.custom)
    return payloads


def _valid_session_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and SESSION_ID.fullmatch(value) is not None


def _custom_data(data: dict[str, Any]) -> dict[str, Any]:
    """rasa-webchat's ``customData``, or ``metadata`` as Rasa's channel reads it (a dict or
    a JSON string)."""
    for key in ("customData", "metadata"):
        value = data.get(key)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                continue
        if isinstance(value, dict):
            return value
    return {}


def _metadata(custom: dict[str, Any], customer: ShopCustomer | None) -> dict[str, Any]:
    """What goes to Rasa with the message: only what the gateway can vouch for or is harmless."""
    metadata: dict[str, Any] = {}
    language = custom.get("language")
    if isinstance(language, str) and 0 < len(language.strip()) <= 16:
        metadata["language"] = language.strip()
    elif customer is not None:
        metadata["language"] = customer.language
    location = _location(custom.get("location"))
    if location is not None:
        metadata["location"] = location
    if customer is not None:
        metadata["customer_name"] = customer.first_name
    return metadata


def _location(value: Any) -> dict[str, float] | None:
    """A shared position as {latitude, longitude} in range, or None."""
    if not isinstance(value, dict):
        return None
    point = [_number(value.get("latitude")), _number(value.get("longitude"))]
    match point:
        case [float(lat), float(lon)] if -90 <= lat <= 90 and -180 <= lon <= 180:
            return {"latitude": lat, "longitude": lon}
    return None


def _number(value: Any) -> float | None:
    # bool is an int, but `true` is no coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
