"""What the Telegram handlers share, created in the application's ``post_init``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker
from telegram.ext import ContextTypes

from bot.relay import Deliver, Incoming, TranscriptMessage
from bot.telegram.buttons import DIGEST_PREFIX, LongPayloads, PressedOnce, ReplyKeyboards
from bot.telegram.sender import TelegramSender

#: Where ``post_init`` puts the services in ``Application.bot_data``.
SERVICES_KEY = "delivery.services"


class RelayPort(Protocol):
    """What the channel uses of :class:`bot.relay.Relay`."""

    async def handle(self, incoming: Incoming, deliver: Deliver) -> None: ...

    async def history(self, sender: str, limit: int = 50) -> list[TranscriptMessage]: ...


class Turn:
    """A place in line among a chat's updates."""

    def __init__(self, previous: asyncio.Future[None] | None) -> None:
        self._previous = previous

    async def ready(self) -> None:
        """Wait until the chat's earlier updates are done with."""
        if self._previous is not None:
            await asyncio.shield(self._previous)


class ChatTurns:
    """Keeps each chat's updates in the order Telegram sent them, while chats run concurrently.

    The relay keeps a conversation's messages in the order :meth:`Relay.handle` is called, but
    some updates have work to do before that: a pressed button is acknowledged and its keyboard
    removed, a shared contact links the chat (which the next message must find done). A handler
    takes its turn before its first ``await`` (so turns are taken in update order) and waits for
    it (:meth:`Turn.ready`) just before the work that must not overtake the chat's earlier
    updates.
    """

    def __init__(self) -> None:
        self._last: dict[int, asyncio.Future[None]] = {}

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[Turn]:
        previous = self._last.get(chat_id)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[chat_id] = mine
        mine.add_done_callback(lambda done: self._forget(chat_id, done))
        try:
            yield Turn(previous)
        finally:
            # Done only once every earlier update is, even when this one ended early.
            if previous is None or previous.done():
                mine.set_result(None)
            else:
                previous.add_done_callback(lambda _: mine.set_result(None))

    def __len__(self) -> int:
        """How many chats have updates in hand."""
        return len(self._last)

    def _forget(self, chat_id: int, done: asyncio.Future[None]) -> None:
        if self._last.get(chat_id) is done:
            del self._last[chat_id]


@dataclass
class ChannelServices:
    relay: RelayPort
    sessions: sessionmaker[Session]
    sender: TelegramSender
    payloads: LongPayloads
    keyboards: ReplyKeyboards
    presses: PressedOnce = field(default_factory=PressedOnce)
    chats: ChatTurns = field(default_factory=ChatTurns)

    async def relay_message(
        self, incoming: Incoming, chat_id: int, turn: Turn | None = None
    ) -> None:
        """Pass ``incoming`` to the relay in the chat's order (in ``turn`` when the handler has
        taken one already)."""
        language = incoming.metadata.get("language")
        deliver = self.sender.deliver_to(chat_id, language if isinstance(language, str) else None)
        self.sender.show_typing(chat_id)
        if turn is None:
            async with self.chats.turn(chat_id) as own_turn:
                await own_turn.ready()
                await self.relay.handle(incoming, deliver)
        else:
            await turn.ready()
            await self.relay.handle(incoming, deliver)

    async def payload_of(self, data: str, sender: str) -> str | None:
        """The payload a button's ``callback_data`` stands for (a digest is looked up in
        memory, then among the buttons of the conversation's recent transcript)."""
        found = self.payloads.payload_of(data)
        if found is not None or not data.startswith(DIGEST_PREFIX):
            return found
        history = await self.relay.history(sender)
        offered = [b.payload for message in reversed(history) for b in message.buttons]
        return self.payloads.payload_of(data, offered)


def services(context: ContextTypes.DEFAULT_TYPE) -> ChannelServices:
    """The channel's services, as ``post_init`` stored them."""
    found = context.bot_data.get(SERVICES_KEY)
    if not isinstance(found, ChannelServices):
        raise RuntimeError("the Telegram application was not built by build_application()")
    return found
