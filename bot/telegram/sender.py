"""The relay's channel-neutral replies, sent as Telegram messages.

Text goes as plain text (no parse mode: nothing is interpreted as formatting, so nothing needs
escaping) with link previews off (a tracking link would otherwise unfold into a card). Buttons
become an inline keyboard under the message; the question where to look for pickup points gets a
reply keyboard with a "share my location" button instead (:mod:`bot.telegram.buttons`), taken
away again with the next reply. Text longer than Telegram's 4,096 characters is split at line
breaks. Sending is spaced by the bot's rate limiter (:mod:`bot.telegram.ratelimit`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ChatAction
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

from bot.conversation_queue import Undeliverable
from bot.relay import Button, Deliver, Outgoing
from bot.telegram.buttons import LongPayloads, ReplyKeyboards, asks_for_location
from bot.telegram.texts import TelegramText, telegram_text

logger = logging.getLogger(__name__)

#: Telegram's longest message text.
MAX_TEXT = 4096
#: Buttons with titles this short share a row (Yes / No); longer ones get a row each.
_SHORT_TITLE = 12
_SHORT_ROW = 3
_LANGUAGES_KEPT = 100_000

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Planned:
    """One Bot API message: a text or a photo, with its buttons."""

    text: str | None = None
    photo: str | None = None
    buttons: tuple[Button, ...] = ()
    request_location: bool = False


def plan(messages: Sequence[Outgoing]) -> list[Planned]:
    """The Telegram messages for the relay's ``messages``, in order. Buttons without text of
    their own go under the text before them (a Telegram keyboard needs a message)."""
    planned: list[Planned] = []
    for message in messages:
        location = asks_for_location(message)
        if message.image:
            planned.append(Planned(photo=message.image))
        text = message.text or ""
        if message.agent and text.strip():
            text = f"{message.agent}: {text}"  # a live agent's reply says who wrote it
        chunks = split_text(text)
        for chunk in chunks[:-1]:
            planned.append(Planned(text=chunk))
        if chunks:
            planned.append(Planned(chunks[-1], None, message.buttons, location))
        elif message.buttons or location:
            previous = planned[-1] if planned and planned[-1].text else None
            if previous is not None and not previous.buttons:
                planned[-1] = Planned(previous.text, None, message.buttons, location)
            else:
                logger.warning("buttons without a text to go under: %r", message.buttons)
    return planned


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line breaks where possible."""
    if not text.strip():
        return []
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text.strip():
        pieces.append(text)
    return pieces


def inline_keyboard(buttons: Sequence[Button], payloads: LongPayloads) -> InlineKeyboardMarkup:
    keys = [
        InlineKeyboardButton(b.title[:MAX_TEXT], callback_data=payloads.data_for(b.payload))
        for b in buttons
    ]
    if all(len(b.title) <= _SHORT_TITLE for b in buttons):
        rows = [keys[i : i + _SHORT_ROW] for i in range(0, len(keys), _SHORT_ROW)]
    else:
        rows = [[key] for key in keys]
    return InlineKeyboardMarkup(rows)


def location_keyboard(buttons: Sequence[Button], language: str | None) -> ReplyKeyboardMarkup:
    share = KeyboardButton(
        telegram_text(TelegramText.SHARE_LOCATION, language), request_location=True
    )
    rows = [[share], *([KeyboardButton(b.title)] for b in buttons)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


class TelegramSender:
    """Sends the relay's replies to Telegram chats through ``bot``."""

    def __init__(self, bot: Bot, payloads: LongPayloads, keyboards: ReplyKeyboards) -> None:
        self._bot = bot
        self._payloads = payloads
        self._keyboards = keyboards
        # Each chat's latest language, for the words the channel adds itself (newest kept).
        self._languages: OrderedDict[int, str] = OrderedDict()
        self._typing: set[asyncio.Task[None]] = set()

    def deliver_to(self, chat_id: int, language: str | None = None) -> Deliver:
        """The relay's ``deliver`` for chat ``chat_id`` (usable later, e.g. once Rasa is back)."""
        if language:
            self._languages[chat_id] = language
            self._languages.move_to_end(chat_id)
            if len(self._languages) > _LANGUAGES_KEPT:
                self._languages.popitem(last=False)

        async def deliver(messages: Sequence[Outgoing]) -> None:
            await self.send(chat_id, messages)

        return deliver

    def show_typing(self, chat_id: int) -> None:
        """ "typing..." in the chat while the answer is on its way (best effort, not awaited)."""
        task = asyncio.create_task(self._show_typing(chat_id))
        self._typing.add(task)
        task.add_done_callback(self._typing.discard)

    async def _show_typing(self, chat_id: int) -> None:
        try:
            await self._bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            logger.debug("no typing indicator in chat %s: %s", chat_id, exc)

    async def send(self, chat_id: int, messages: Sequence[Outgoing]) -> None:
        """Send ``messages`` in order; a message Telegram refuses is logged and skipped. A
        chat that blocked the bot, or Telegram out of reach, raises
        :class:`~bot.conversation_queue.Undeliverable`."""
        remove_keyboard = self._keyboards.is_shown(chat_id)
        for planned in plan(messages):
            markup: Markup | None = None
            if planned.request_location:
                language = self._languages.get(chat_id)
                markup = location_keyboard(planned.buttons, language)
                self._keyboards.shown(chat_id, planned.buttons)
                remove_keyboard = False
            elif planned.buttons:
                markup = inline_keyboard(planned.buttons, self._payloads)
            elif remove_keyboard and planned.text:
                markup = ReplyKeyboardRemove()
                self._keyboards.removed(chat_id)
                remove_keyboard = False
            try:
                await self._send_one(chat_id, planned, markup)
            except Forbidden as exc:
                raise Undeliverable(f"chat {chat_id} has blocked the bot", permanent=True) from exc
            except (NetworkError, RetryAfter) as exc:
                # Telegram unreachable, or still asking to wait after the limiter's retry: the
                # rest would fail too (the relay logs it; a notification's sender retries).
                raise Undeliverable(f"Telegram: {type(exc).__name__}: {exc}") from exc
            except TelegramError:
                logger.exception("Telegram refused a message to chat %s", chat_id)

    async def _send_one(self, chat_id: int, planned: Planned, markup: Markup | None) -> None:
        if planned.photo:
            await self._bot.send_photo(chat_id, planned.photo)
            return
        await self._bot.send_message(
            chat_id,
            planned.text or "",
            parse_mode=None,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
