"""A Telegram update as the relay's :class:`~bot.relay.Incoming`: one conversation per chat
(``tg-<chat id>``), and what Telegram tells about the customer as metadata."""

from __future__ import annotations

from typing import Any

from telegram import Chat, User

from bot.relay import Incoming
from delivery.vocabulary import Channel

SENDER_PREFIX = "tg-"


def conversation_id(chat_id: int) -> str:
    """The Rasa sender id of a Telegram chat."""
    return f"{SENDER_PREFIX}{chat_id}"


def chat_id_of(sender: str) -> int | None:
    """The chat of a ``tg-<chat id>`` conversation; None for another channel's."""
    if not sender.startswith(SENDER_PREFIX):
        return None
    try:
        return int(sender.removeprefix(SENDER_PREFIX))
    except ValueError:
        return None


def customer_metadata(user: User | None) -> dict[str, Any]:
    """The customer's first name and language, as Telegram's client reports them (a display
    name and a preference, never proof of anything)."""
    if user is None:
        return {}
    metadata: dict[str, Any] = {}
    if user.first_name:
        metadata["customer_name"] = user.first_name
    if user.language_code:
        metadata["language"] = user.language_code
    return metadata


def incoming(chat: Chat, user: User | None, text: str, **metadata: Any) -> Incoming:
    """The relay's view of a customer's message in ``chat``."""
    return Incoming(
        channel=Channel.TELEGRAM,
        sender=conversation_id(chat.id),
        text=text,
        metadata={**customer_metadata(user), **metadata},
        connection=conversation_id(chat.id),
    )
